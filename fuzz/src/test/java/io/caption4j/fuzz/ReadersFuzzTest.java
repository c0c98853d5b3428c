package io.caption4j.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Jazzer fuzz tests (see fuzz/README.md). Under {@code mvn test -Pfuzz} they replay the seeds and every crasher kept in
 * {@code src/test/resources/io/caption4j/fuzz/ReadersFuzzTestInputs/}; with {@code JAZZER_FUZZ=1} one of them fuzzes
 * for its maxDuration.
 */
class ReadersFuzzTest {
    @FuzzTest(maxDuration = "60s")
    void image(byte[] data) {
        Readers.image(data);
    }

    @FuzzTest(maxDuration = "60s")
    void modelZip(byte[] data) {
        Readers.modelZip(data);
    }

    @FuzzTest(maxDuration = "30s")
    void csv(byte[] data) {
        Readers.dataFile(data, ".csv");
    }

    @FuzzTest(maxDuration = "30s")
    void jsonl(byte[] data) {
        Readers.dataFile(data, ".jsonl");
    }

    @FuzzTest(maxDuration = "30s")
    void cocoJson(byte[] data) {
        Readers.dataFile(data, ".json");
    }
}
