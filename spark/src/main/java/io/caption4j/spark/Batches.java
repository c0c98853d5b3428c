package io.caption4j.spark;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Function;

/**
 * Cuts a partition's rows into batches and maps each batch lazily, so a task holds one batch of images, not its whole
 * partition, however large the partition is.
 */
final class Batches {
    private Batches() {
    }

    /** The outputs of {@code f} over batches of {@code size} inputs, computed as the result is iterated. */
    static <I, O> Iterator<O> map(Iterator<I> in, int size, Function<List<I>, List<O>> f) {
        return new Iterator<>() {
            private Iterator<O> current = Collections.emptyIterator();

            @Override
            public boolean hasNext() {
                while (!current.hasNext() && in.hasNext()) {
                    List<I> batch = new ArrayList<>(size);
                    while (batch.size() < size && in.hasNext()) {
                        batch.add(in.next());
                    }
                    current = f.apply(batch).iterator();
                }
                return current.hasNext();
            }

            @Override
            public O next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return current.next();
            }
        };
    }
}
