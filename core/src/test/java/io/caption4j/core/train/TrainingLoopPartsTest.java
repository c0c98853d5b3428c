package io.caption4j.core.train;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The trainer's early stopping and checkpoint schedule, on their own. */
class TrainingLoopPartsTest {
    @Test
    void earlyStoppingKeepsTheBestEpochAndStopsAfterPatienceEpochsWithoutImprovement() {
        TrainState s = new TrainState();
        EarlyStopping stopping = new EarlyStopping(true, 2, TrainConfig.Selection.DEV_LOSS);
        assertTrue(stopping.record(s, 1, 3.0, 0.1));
        assertTrue(stopping.record(s, 2, 2.5, 0.1));
        assertFalse(stopping.record(s, 3, 2.5, 0.1));            // equal is no improvement
        assertFalse(stopping.shouldStop(s));
        assertFalse(stopping.record(s, 4, Double.NaN, 0.1));     // no readable dev image
        assertTrue(stopping.shouldStop(s));
        assertEquals(2, s.bestEpoch);
        assertEquals(2.5, s.bestDevLoss, 0);
        assertEquals(2, s.epochsWithoutImprovement);

        TrainState never = new TrainState();
        EarlyStopping patienceZero = new EarlyStopping(true, 0, TrainConfig.Selection.DEV_LOSS);
        for (int epoch = 1; epoch <= 5; epoch++) {
            patienceZero.record(never, epoch, 1.0, 0.1);
        }
        assertFalse(patienceZero.shouldStop(never));
        TrainState noDev = new TrainState();
        EarlyStopping withoutDev = new EarlyStopping(false, 1, TrainConfig.Selection.DEV_LOSS);
        assertFalse(withoutDev.record(noDev, 1, Double.NaN, 0.1));
        assertFalse(withoutDev.shouldStop(noDev));
        assertEquals(0, noDev.bestEpoch);
    }

    @Test
    void selectionByCiderDKeepsTheEpochWithTheHighestDevCiderDWhateverItsLoss() {
        TrainState s = new TrainState();
        EarlyStopping byCider = new EarlyStopping(true, 2, TrainConfig.Selection.CIDER_D);
        assertTrue(byCider.record(s, 1, 3.0, 0.20));
        assertTrue(byCider.record(s, 2, 3.1, 0.25));         // a higher loss but better captions
        assertFalse(byCider.record(s, 3, 2.9, 0.24));        // a lower loss is not what it watches
        assertFalse(byCider.record(s, 4, 2.8, Double.NaN));  // no validation captions
        assertTrue(byCider.shouldStop(s));
        assertEquals(2, s.bestEpoch);
        assertEquals(0.25, s.bestCiderD, 0);
        assertEquals(3.1, s.bestDevLoss, 0);
    }

    @Test
    void anEpochLineSaysNoDevSetRatherThanNaN() {
        TrainState.EpochResult r = new TrainState.EpochResult();
        r.epoch = 2;
        r.trainLoss = 3.25;
        r.devLoss = Double.NaN;
        assertEquals("epoch 2: train loss 3.2500, no dev set (0 s)", r.toString());
        r.devLoss = 3.5;
        assertTrue(r.toString().contains("dev loss 3.5000, BLEU-4"), r.toString());
    }

    @Test
    void checkpointsAreDueEveryNStepsOrMMinutesAndTimeAddsUpOverSessions() {
        TrainConfig c = new TrainConfig();
        c.checkpointEverySteps = 3;
        c.checkpointEveryMinutes = 2;
        TrainState s = new TrainState();
        s.seconds = 100;
        CheckpointSchedule schedule = new CheckpointSchedule(c, s);
        long t0 = System.nanoTime(), minute = 60_000_000_000L;
        assertFalse(schedule.due(1, t0));
        assertTrue(schedule.due(3, t0));
        assertTrue(schedule.due(4, t0 + 2 * minute));
        schedule.saved(t0 + 2 * minute);
        assertFalse(schedule.due(5, t0 + 3 * minute));
        assertTrue(schedule.due(5, t0 + 4 * minute));
        assertEquals(100 + 240, schedule.seconds(t0 + 4 * minute), 1.0);

        c.checkpointEverySteps = 0;
        c.checkpointEveryMinutes = 0;
        CheckpointSchedule off = new CheckpointSchedule(c, new TrainState());
        assertFalse(off.due(3, t0 + 1000 * minute));
    }
}
