package io.caption4j.core.train;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import io.caption4j.core.data.CaptionDataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Kills a training process (SIGKILL) at random moments, checkpoints being written every step: each time the
 * last checkpoint must load and never go back, and the run resumed to the end must equal an uninterrupted one.
 */
class KillTest {
    @TempDir
    Path tmp;

    static TrainConfig config() {
        TrainConfig c = ToyData.config();
        c.epochs = 3;
        c.checkpointEverySteps = 1;   // a checkpoint being written most of the time: kills land inside writes
        c.scheduledSampling = 0.2;
        return c;
    }

    private Process launch(Path data, Path out) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx1g", "-cp", System.getProperty("java.class.path"),
                KillableTraining.class.getName(), data.toString(), out.toString()));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
    }

    @Test
    void killedRunsLoseAtMostTheLastStepAndResumeExactly() throws Exception {
        Path data = tmp.resolve("data");
        ToyData.write(data, 32, 5);
        Path out = tmp.resolve("run");
        Random random = new Random(7);
        long lastStep = -1;
        int kills = 0;
        for (int attempt = 0; attempt < 8 && kills < 3; attempt++) {
            Process p = launch(data, out);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!Files.exists(out.resolve(Trainer.LATEST)) && p.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            Thread.sleep(200 + random.nextInt(1500));
            if (!p.isAlive()) {
                break;                        // finished before we could kill it
            }
            p.destroyForcibly().waitFor();    // SIGKILL: no shutdown hooks, no finally blocks
            kills++;
            Checkpoint c = Checkpoint.load(out.resolve(Trainer.LATEST));
            assertTrue(c.state.step >= lastStep, "checkpoint went back from step " + lastStep + " to " + c.state.step);
            lastStep = c.state.step;
        }
        assertTrue(kills >= 2, "killed only " + kills + " times; log: " + Files.readString(tmp.resolve("child.log")));
        Process p = launch(data, out);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "resumed run did not finish");
        assertEquals(0, p.exitValue(), Files.readString(tmp.resolve("child.log")));
        Checkpoint resumed = Checkpoint.load(out.resolve(Trainer.LATEST));
        assertTrue(resumed.state.finished);

        CaptionDataset train = ToyData.dataset(data.resolve("captions.csv"));
        Checkpoint whole = new Trainer(config(), train, null, ToyData.features(new ToyData.Encoder(), null), tmp.resolve("whole"))
                .start(Trainer.vocabulary(train, config()));
        assertEquals(whole.state.step, resumed.state.step);
        assertEquals(0.0, whole.network.params().sub(resumed.network.params()).amaxNumber().doubleValue(), 0.0,
                "a killed and resumed run differs from an uninterrupted one");
        File[] leftovers = out.toFile().listFiles((d, n) -> n.endsWith(".tmp"));
        assertNotNull(leftovers);
        assertEquals(0, leftovers.length, "resume leaves no temporary checkpoint files behind");
    }
}
