package io.caption4j.core.train;

import java.nio.file.Files;
import java.nio.file.Path;

import io.caption4j.core.data.CaptionDataset;

/**
 * The process {@link KillTest} kills: trains the toy task in {@code args[1]} from the data in {@code args[0]},
 * checkpointing every step, resuming when a checkpoint is there. Prints "STEP n" after every checkpoint.
 */
public final class KillableTraining {
    public static void main(String[] args) throws Exception {
        Path data = Path.of(args[0]), out = Path.of(args[1]);
        CaptionDataset train = ToyData.dataset(data.resolve("captions.csv"));
        Trainer t = new Trainer(KillTest.config(), train, null, ToyData.features(new ToyData.Encoder(), null), out);
        Checkpoint c = Files.exists(out.resolve(Trainer.LATEST)) ? t.resume()
                : t.start(Trainer.vocabulary(train, KillTest.config()));
        System.out.println("DONE " + c.state.step);
    }
}
