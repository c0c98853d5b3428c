package io.caption4j.core;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;

import io.caption4j.core.train.Checkpoint;
import io.caption4j.core.train.TrainConfig;

/**
 * The files a model comes in: a model file (a {@link CaptionModel} zip, what {@code export} writes and
 * {@link CaptionModel#load} reads) or a training {@link Checkpoint} (what the trainer writes). {@link #open} takes
 * either; {@link #fromCheckpoint} makes a model of a checkpoint's network, the step behind {@code export}.
 */
public final class ModelFiles {
    private ModelFiles() {
    }

    /** Whether the file is a model file rather than a checkpoint (it is a zip with the model's manifest). */
    public static boolean isModel(Path file) {
        if (!Files.isRegularFile(file)) {
            return false;
        }
        try (ZipFile zip = new ZipFile(file.toFile())) {      // the central directory only: nothing is inflated
            return zip.getEntry(ModelArchive.MANIFEST) != null;
        } catch (IOException e) {
            // no readable central directory (a truncated file): the manifest is the first entry a model has
        }
        try (InputStream in = Files.newInputStream(file); ZipInputStream zip = new ZipInputStream(in)) {
            ZipEntry first = zip.getNextEntry();
            return first != null && first.getName().equals(ModelArchive.MANIFEST);
        } catch (IOException | IllegalArgumentException e) {           // an entry name that is not UTF-8, too
            return false;       // not a readable zip: Checkpoint.load says what is wrong
        }
    }

    /**
     * Opens a model file, or a checkpoint as {@link #fromCheckpoint(Checkpoint)} makes it; a missing, foreign or
     * damaged file gives a CaptionException that says which.
     */
    public static CaptionModel open(Path file) {
        if (!Files.exists(file)) {
            throw new CaptionException("No checkpoint or model file at " + file);
        }
        return isModel(file) ? CaptionModel.load(file) : fromCheckpoint(Checkpoint.load(file));
    }

    /**
     * The model of a checkpoint: its network and vocabulary, the encoder and pooling of its training configuration,
     * the training's maximum caption length and the model's default beam size.
     */
    public static CaptionModel fromCheckpoint(Checkpoint checkpoint) {
        return builder(checkpoint).optMaxLength(checkpoint.config.maxLength).build();
    }

    /** As {@link #fromCheckpoint(Checkpoint)} with the model's default beam size (1 = greedy) and maximum length. */
    public static CaptionModel fromCheckpoint(Checkpoint checkpoint, int beamSize, int maxLength) {
        return fromCheckpoint(checkpoint, beamSize, maxLength, 0);
    }

    /** As {@link #fromCheckpoint(Checkpoint, int, int)} with the model's default n-gram blocking (0: none). */
    public static CaptionModel fromCheckpoint(Checkpoint checkpoint, int beamSize, int maxLength, int noRepeatNgram) {
        return fromCheckpoint(checkpoint, beamSize, maxLength, noRepeatNgram, 1.0);
    }

    /** As {@link #fromCheckpoint(Checkpoint, int, int, int)} with the beam's default length penalty. */
    public static CaptionModel fromCheckpoint(Checkpoint checkpoint, int beamSize, int maxLength, int noRepeatNgram,
                                              double lengthPenalty) {
        return builder(checkpoint).optBeamSize(beamSize).optMaxLength(maxLength).optNoRepeatNgram(noRepeatNgram)
                .optLengthPenalty(lengthPenalty).build();
    }

    /**
     * As {@link #fromCheckpoint(Checkpoint, int, int, int, double)} with further checkpoints' networks as ensemble members
     * ({@link CaptionModel.Builder#optEnsembleMember}); the caller checks that they share the vocabulary and features.
     */
    public static CaptionModel fromCheckpoints(Checkpoint first, List<Checkpoint> members, int beamSize, int maxLength,
                                               int noRepeatNgram, double lengthPenalty) {
        CaptionModel.Builder b = builder(first).optBeamSize(beamSize).optMaxLength(maxLength).optNoRepeatNgram(noRepeatNgram)
                .optLengthPenalty(lengthPenalty);
        members.forEach(m -> b.optEnsembleMember(m.network));
        return b.build();
    }

    private static CaptionModel.Builder builder(Checkpoint checkpoint) {
        TrainConfig c = checkpoint.config;
        return CaptionModel.builder().setEncoder(c.encoderSpec().toString()).setVocabulary(checkpoint.vocabulary)
                .setDecoder(checkpoint.network).optPoolWindow(c.pool).optTrainingConfig(c.toJson());
    }
}
