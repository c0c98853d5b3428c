package io.caption4j.core;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipException;

import io.caption4j.core.internal.Float16;
import io.caption4j.core.internal.Sha256;
import io.caption4j.core.internal.ZipFiles;
import io.caption4j.core.text.Vocabulary;
import io.caption4j.layers.CaptionNetwork;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

/**
 * The model file, format {@value #FORMAT}: one zip with {@code model.json} (format, encoder spec and identity,
 * pooling, decoding defaults, training configuration, SHA-256 of every other entry), {@code network.json} (the DL4J
 * configuration), {@code params.bin} (header "C4P1", bits, count, then little-endian float32 or float16 values) and
 * {@code vocabulary.txt}. An ensemble's file, format {@value #ENSEMBLE_FORMAT}, adds {@code "members": N} to the
 * manifest and each further decoder's two entries under {@code member-2/}, ... {@code member-N/}. {@link #read}
 * checks the format, completeness and checksums before anything is built, so a wrong, old, truncated or altered file
 * gives an error that says which. {@link CaptionModel} saves and loads
 * through this class.
 */
final class ModelArchive {
    static final String FORMAT = "caption4j-model/1";
    /** The format of a file with several decoders (an ensemble): FORMAT's entries for the first, member-N/ for the rest. */
    static final String ENSEMBLE_FORMAT = "caption4j-model/2";
    /** Most decoders an ensemble file may hold. */
    static final int MAX_MEMBERS = 16;
    static final String MANIFEST = "model.json", NETWORK = "network.json", PARAMS = "params.bin", VOCABULARY = "vocabulary.txt";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PARAMS_MAGIC = 0x43345031; // "C4P1"
    private static final int PARAMS_HEADER = 12;        // magic, bits, count

    /** What {@code model.json} records besides the format and the checksums. */
    static final class Settings {
        final String encoderSpec, encoderId;
        final int poolWindow, beamSize, maxLength;
        /** The decoding's n-gram blocking (0: none; files written before it existed have none). */
        final int noRepeatNgram;
        /** Beam search's length penalty alpha (log P / length^alpha; files written before it existed have 1). */
        final double lengthPenalty;
        /** The training configuration JSON, or null. */
        final String trainingConfig;

        Settings(String encoderSpec, String encoderId, int poolWindow, int beamSize, int maxLength, int noRepeatNgram,
                 double lengthPenalty, String trainingConfig) {
            this.encoderSpec = encoderSpec;
            this.encoderId = encoderId;
            this.poolWindow = poolWindow;
            this.beamSize = beamSize;
            this.maxLength = maxLength;
            this.noRepeatNgram = noRepeatNgram;
            this.lengthPenalty = lengthPenalty;
            this.trainingConfig = trainingConfig;
        }
    }

    private final String name;
    private final Settings settings;
    private final Map<String, byte[]> entries;
    private final int members;

    private ModelArchive(String name, Settings settings, Map<String, byte[]> entries, int members) {
        this.name = name;
        this.settings = settings;
        this.entries = entries;
        this.members = members;
    }

    /** The entry of the j-th decoder (0-based): the first's at the top level, as in a single-decoder file. */
    static String memberEntry(int j, String entry) {
        return j == 0 ? entry : "member-" + (j + 1) + "/" + entry;
    }

    /** Writes a model file atomically, its parameters in float16 if {@code half} (half the size). */
    static void write(Path file, Settings s, List<CaptionNetwork> networks, Vocabulary vocabulary, boolean half)
            throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        for (int j = 0; j < networks.size(); j++) {
            entries.put(memberEntry(j, NETWORK), networks.get(j).getConfiguration().toJson().getBytes(StandardCharsets.UTF_8));
            entries.put(memberEntry(j, PARAMS), params(networks.get(j).params(), half));
        }
        entries.put(VOCABULARY, vocabulary.toText().getBytes(StandardCharsets.UTF_8));
        ObjectNode m = JSON.createObjectNode();
        m.put("format", networks.size() == 1 ? FORMAT : ENSEMBLE_FORMAT);
        if (networks.size() > 1) {
            m.put("members", networks.size());
        }
        m.putObject("encoder").put("spec", s.encoderSpec).put("id", s.encoderId);
        m.put("poolWindow", s.poolWindow);
        m.put("beamSize", s.beamSize);
        m.put("maxLength", s.maxLength);
        if (s.noRepeatNgram > 0) {
            m.put("noRepeatNgram", s.noRepeatNgram);
        }
        if (s.lengthPenalty != 1.0) {
            m.put("lengthPenalty", s.lengthPenalty);
        }
        m.put("parameters", half ? "float16" : "float32");
        if (s.trainingConfig != null) {
            m.set("training", JSON.readTree(s.trainingConfig));
        }
        ObjectNode sums = m.putObject("sha256");
        entries.forEach((k, v) -> sums.put(k, Sha256.hex(v)));
        ObjectNode sizes = m.putObject("sizes");                 // bounds each entry's read before it is inflated
        entries.forEach((k, v) -> sizes.put(k, v.length));
        Map<String, byte[]> all = new LinkedHashMap<>();
        all.put(MANIFEST, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(m));
        all.putAll(entries);
        ZipFiles.writeAtomically(file, all);
    }

    /**
     * Reads a model file from a stream (read to its end, not closed) and checks its format, entries and checksums;
     * {@code name} appears in error messages.
     */
    static ModelArchive read(InputStream in, String name) {
        Map<String, byte[]> entries;
        try {
            entries = ZipFiles.readEntries(in, ModelArchive::maxBytes);
        } catch (ZipFiles.TooLargeException e) {
            throw new CaptionException(name + " is refused: " + e.getMessage(), e);
        } catch (ZipException | EOFException e) {
            throw new CaptionException(name + " is damaged or not a caption4j model (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new CaptionException("Cannot read model " + name + ": " + e.getMessage(), e);
        }
        byte[] manifest = entries.get(MANIFEST);
        if (manifest == null) {
            String hint = entries.containsKey("config.json")
                    ? "; it looks like a training checkpoint: use `caption4j export`" : "";
            throw new CaptionException(name + " is not a caption4j model (no " + MANIFEST + hint + ")");
        }
        JsonNode m;
        try {
            m = JSON.readTree(manifest);
        } catch (IOException e) {
            throw new CaptionException(name + ": " + MANIFEST + " is not valid JSON (" + e.getMessage() + ")", e);
        }
        String format = m.path("format").asText("");
        if (!format.equals(FORMAT) && !format.equals(ENSEMBLE_FORMAT)) {
            throw new CaptionException(name + " has model format '" + format + "'; this caption4j reads " + FORMAT + " and "
                    + ENSEMBLE_FORMAT + (format.startsWith("caption4j-model/") ? " (saved by another caption4j version)" : ""));
        }
        int members = format.equals(FORMAT) ? 1 : m.path("members").asInt(0);
        if (format.equals(ENSEMBLE_FORMAT) && (members < 2 || members > MAX_MEMBERS)) {
            throw new CaptionException(name + ": an ensemble needs 2 to " + MAX_MEMBERS + " members, its " + MANIFEST
                    + " says " + m.path("members"));
        }
        List<String> required = new ArrayList<>();
        for (int j = 0; j < members; j++) {
            required.add(memberEntry(j, NETWORK));
            required.add(memberEntry(j, PARAMS));
        }
        required.add(VOCABULARY);
        for (String entry : required) {
            byte[] b = entries.get(entry);
            if (b == null) {
                throw new CaptionException(name + " is incomplete: missing " + entry);
            }
            String expected = m.path("sha256").path(entry).asText("");
            if (!expected.equals(Sha256.hex(b))) {
                throw new CaptionException(name + " is corrupt: the checksum of " + entry + " does not match");
            }
        }
        JsonNode training = m.get("training");
        Settings s = new Settings(m.path("encoder").path("spec").asText(null), m.path("encoder").path("id").asText(null),
                m.path("poolWindow").asInt(1), m.path("beamSize").asInt(3), m.path("maxLength").asInt(40),
                m.path("noRepeatNgram").asInt(0), m.path("lengthPenalty").asDouble(1.0),
                training == null ? null : training.toString());
        for (int j = 0; j < members; j++) {              // before the encoder is looked up: a damaged file says so first
            checkParams(entries.get(memberEntry(j, PARAMS)), name);
        }
        return new ModelArchive(name, s, entries, members);
    }

    /** Largest entry accepted (the params.bin of a 250-million-parameter float32 model); -Dcaption4j.maxModelBytes. */
    static final long DEFAULT_MAX_PARAMS_BYTES = 1L << 30;
    private static final long MAX_MANIFEST_BYTES = 4L << 20, MAX_TEXT_BYTES = 64L << 20;

    /**
     * How many bytes an entry may inflate to: its size in the manifest when the manifest (the first entry) records
     * sizes, else a bound by kind; so a hostile zip fails at its first byte too many, never by running out of memory.
     */
    private static long maxBytes(String entry, Map<String, byte[]> before) {
        long cap = entry.equals(MANIFEST) ? MAX_MANIFEST_BYTES
                : entry.equals(PARAMS) || entry.endsWith("/" + PARAMS)
                ? Long.getLong("caption4j.maxModelBytes", DEFAULT_MAX_PARAMS_BYTES) : MAX_TEXT_BYTES;
        byte[] manifest = before.get(MANIFEST);
        if (manifest != null && !entry.equals(MANIFEST)) {
            try {
                JsonNode size = JSON.readTree(manifest).path("sizes").path(entry);
                if (size.canConvertToLong() && size.asLong() >= 0) {
                    return Math.min(cap, size.asLong());
                }
            } catch (IOException e) {
                return cap;                 // the manifest's own check says what is wrong with it
            }
        }
        return cap;
    }

    Settings settings() {
        return settings;
    }

    /** The decoder networks (one, or an ensemble's members), rebuilt from their configurations and parameters. */
    List<CaptionNetwork> networks() {
        List<CaptionNetwork> out = new ArrayList<>(members);
        try {
            for (int j = 0; j < members; j++) {
                out.add(network(j));
            }
            return out;
        } catch (RuntimeException e) {
            out.forEach(CaptionNetwork::close);
            throw e;
        }
    }

    private CaptionNetwork network(int j) {
        String which = members == 1 ? "the network" : "member " + (j + 1) + "'s network";
        try {
            String json = new String(entries.get(memberEntry(j, NETWORK)), StandardCharsets.UTF_8);
            checkClassesPresent(json);
            CaptionNetwork net = new CaptionNetwork(ComputationGraphConfiguration.fromJson(json));
            net.init(readParams(entries.get(memberEntry(j, PARAMS)), name), false);
            return net;
        } catch (CaptionException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CaptionException(name + ": cannot rebuild " + which + " (" + e.getMessage() + ")", e);
        }
    }

    private static final Pattern CLASS_NAME = Pattern.compile("\"@class\"\\s*:\\s*\"([\\w.$]+)\"");

    /** A short CaptionException naming the first class the network needs that is not on the classpath (a custom layer). */
    private void checkClassesPresent(String networkJson) {
        Matcher m = CLASS_NAME.matcher(networkJson);
        while (m.find()) {
            String cls = m.group(1);
            try {
                Class.forName(cls, false, Thread.currentThread().getContextClassLoader() != null
                        ? Thread.currentThread().getContextClassLoader() : ModelArchive.class.getClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                throw new CaptionException(name + " needs the class " + cls + ", which is not on the classpath: add the jar "
                        + "that provides it (the module with your custom layer) to the application");
            }
        }
    }

    Vocabulary vocabulary() {
        return Vocabulary.fromText(new String(entries.get(VOCABULARY), StandardCharsets.UTF_8));
    }

    private static byte[] params(INDArray params, boolean half) {
        float[] v = params.castTo(DataType.FLOAT).dup('c').data().asFloat();
        ByteBuffer b = ByteBuffer.allocate(PARAMS_HEADER + v.length * (half ? 2 : 4)).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(PARAMS_MAGIC).putInt(half ? 16 : 32).putInt(v.length);
        for (float x : v) {
            if (half) {
                b.putShort(Float16.fromFloat(x));
            } else {
                b.putFloat(x);
            }
        }
        return b.array();
    }

    /** The parameters' header and values: a bad header, or any NaN or infinite value, is a CaptionException. */
    private static void checkParams(byte[] bytes, String name) {
        ByteBuffer b = header(bytes, name);
        int bits = b.getInt(4), n = b.getInt(8);
        int nonFinite = 0, first = -1;
        for (int i = 0; i < n; i++) {
            float v = bits == 16 ? Float16.toFloat(b.getShort()) : b.getFloat();
            if (!Float.isFinite(v)) {
                first = nonFinite++ == 0 ? i : first;
            }
        }
        if (nonFinite > 0) {
            throw new CaptionException(name + ": " + nonFinite + " of its " + n + " parameters are not finite (NaN or infinite,"
                    + " the first at index " + first + "); the training that made it diverged: use an earlier checkpoint");
        }
    }

    /** The buffer positioned after a checked header (magic, bits 16 or 32, a count that matches the size). */
    private static ByteBuffer header(byte[] bytes, String name) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < PARAMS_HEADER || b.getInt() != PARAMS_MAGIC) {
            throw new CaptionException(name + ": " + PARAMS + " is not a caption4j parameter file");
        }
        int bits = b.getInt(), n = b.getInt();
        if ((bits != 16 && bits != 32) || n < 0 || bytes.length != PARAMS_HEADER + (long) n * bits / 8) {
            throw new CaptionException(name + ": " + PARAMS + " has a bad header");
        }
        return b;
    }

    private static INDArray readParams(byte[] bytes, String name) {
        ByteBuffer b = header(bytes, name);
        int bits = b.getInt(4), n = b.getInt(8);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = bits == 16 ? Float16.toFloat(b.getShort()) : b.getFloat();
        }
        return Nd4j.create(v, new long[]{1, n}, DataType.FLOAT);
    }
}
