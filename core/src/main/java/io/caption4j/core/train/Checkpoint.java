package io.caption4j.core.train;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipException;

import io.caption4j.core.CaptionException;
import io.caption4j.core.internal.ZipFiles;
import io.caption4j.core.text.Vocabulary;
import io.caption4j.layers.CaptionNetwork;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;

/**
 * A training checkpoint: one zip with the configuration ({@value #CONFIG}), the run's state ({@value #STATE}),
 * the vocabulary ({@value #VOCABULARY}) and the network with its optimiser state ({@value #NETWORK}, DL4J's
 * format). Written to a temporary file, flushed to disk and renamed, so a crash at any moment leaves the previous
 * checkpoint or the new one, never a torn file.
 */
public final class Checkpoint {
    public static final String FORMAT = "caption4j-checkpoint/1";
    static final String MARKER = "format.txt", CONFIG = "config.json", STATE = "state.json",
            VOCABULARY = "vocabulary.txt", NETWORK = "network.zip";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public final TrainConfig config;
    public final TrainState state;
    public final Vocabulary vocabulary;
    public final CaptionNetwork network;

    public Checkpoint(TrainConfig config, TrainState state, Vocabulary vocabulary, CaptionNetwork network) {
        this.config = config;
        this.state = state;
        this.vocabulary = vocabulary;
        this.network = network;
    }

    /** Writes the checkpoint atomically to {@code file}. */
    public void save(Path file) throws IOException {
        ByteArrayOutputStream net = new ByteArrayOutputStream();
        network.save(net);
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put(MARKER, FORMAT.getBytes(StandardCharsets.UTF_8));
        entries.put(CONFIG, config.toJson().getBytes(StandardCharsets.UTF_8));
        entries.put(STATE, JSON.writeValueAsBytes(state));
        entries.put(VOCABULARY, vocabulary.toText().getBytes(StandardCharsets.UTF_8));
        entries.put(NETWORK, net.toByteArray());
        ZipFiles.writeAtomically(file, entries);
    }

    /** Reads a checkpoint; a missing, foreign or damaged file gives a CaptionException that says which. */
    public static Checkpoint load(Path file) {
        Map<String, byte[]> entries;
        try (InputStream in = Files.newInputStream(file)) {
            entries = ZipFiles.readEntries(in);
        } catch (NoSuchFileException e) {
            throw new CaptionException("No checkpoint at " + file);
        } catch (ZipFiles.TooLargeException e) {
            throw new CaptionException(file + " is refused: " + e.getMessage(), e);
        } catch (ZipException | EOFException e) {
            throw new CaptionException(file + " is damaged or not a caption4j checkpoint (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new CaptionException("Cannot read checkpoint " + file + ": " + e.getMessage(), e);
        }
        byte[] marker = entries.get(MARKER);
        if (marker == null) {
            throw new CaptionException(file + " is not a caption4j checkpoint (no " + MARKER + ")");
        }
        String format = new String(marker, StandardCharsets.UTF_8).trim();
        if (!format.equals(FORMAT)) {
            throw new CaptionException(file + " has checkpoint format '" + format + "'; this caption4j reads " + FORMAT);
        }
        List<String> missing = new ArrayList<>();
        for (String entry : List.of(CONFIG, STATE, VOCABULARY, NETWORK)) {
            if (!entries.containsKey(entry)) {
                missing.add(entry);
            }
        }
        if (!missing.isEmpty()) {
            throw new CaptionException(file + " is incomplete: missing " + missing);
        }
        try {
            TrainConfig c = TrainConfig.fromJson(new String(entries.get(CONFIG), StandardCharsets.UTF_8));
            TrainState s = JSON.readValue(entries.get(STATE), TrainState.class);
            Vocabulary v = Vocabulary.fromText(new String(entries.get(VOCABULARY), StandardCharsets.UTF_8));
            CaptionNetwork g = CaptionNetwork.load(new ByteArrayInputStream(entries.get(NETWORK)), file + "!/" + NETWORK);
            return new Checkpoint(c, s, v, g);
        } catch (IOException | RuntimeException e) {
            if (e instanceof CaptionException) {
                throw new CaptionException(file + ": " + e.getMessage(), e);
            }
            throw new CaptionException(file + " is damaged: " + e.getMessage(), e);
        }
    }
}
