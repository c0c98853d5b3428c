package io.caption4j.spark;

import java.util.List;
import java.util.concurrent.Callable;

import io.caption4j.core.CaptionException;
import io.caption4j.core.image.EncoderSpec;
import io.caption4j.zoo.TrainingRun;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The Spark command line ({@code caption4j-spark.jar}): {@code spark-describe}, {@code spark-features} and
 * {@code spark-train}, run by {@code ./caption4j spark-...} (local mode, Spark's jars from the build) or by
 * {@code spark-submit --class io.caption4j.spark.SparkMain caption4j-spark.jar spark-describe ...} on a cluster.
 */
@Command(name = "caption4j-spark", mixinStandardHelpOptions = true, version = "caption4j 0.1.0-SNAPSHOT",
        description = "caption4j on Apache Spark: caption, encode and train across a cluster.",
        subcommands = {SparkMain.Describe.class, SparkMain.Features.class, TrainCommand.class, SparkBench.class})
public final class SparkMain implements Runnable {
    /** The packages Spark reaches into on Java 17; without them it fails deep inside with an IllegalAccessError. */
    static final List<String> OPENS = List.of("java.lang", "java.nio", "sun.nio.ch", "java.util");

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code; user errors print one line, not a stack trace. */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new SparkMain()).setCaseInsensitiveEnumValuesAllowed(true);   // --format json
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof CaptionException || e instanceof IllegalArgumentException
                    || e instanceof java.io.UncheckedIOException) {
                commandLine.getErr().println("error: " + e.getMessage());
                return 2;
            }
            throw e;
        });
        return cli.execute(args);
    }

    /** A CaptionException naming the JVM options Spark needs when they are missing. */
    static void checkJavaOptions() {
        Module base = Object.class.getModule();
        for (String p : OPENS) {
            if (!base.isOpen(p, SparkMain.class.getModule())) {
                throw new CaptionException("Spark needs --add-opens=java.base/" + p + "=ALL-UNNAMED (and the other options "
                        + "in the README's \"Scale out\"): run through ./caption4j or spark-submit, or add them to the java "
                        + "command");
            }
        }
    }

    /** The options every Spark command has. */
    static class SparkOptions {
        @Option(names = "--master", description = "Spark master, e.g. local[2], yarn, spark://host:7077 "
                + "(default: spark-submit's, else local[*]).")
        String master;
        @Option(names = "--verbose-spark", description = "Spark's INFO log (default: warnings and the progress bar).")
        boolean verbose;

        SparkSession session(String app) {
            checkJavaOptions();
            if (!verbose) {                      // before the session starts, which logs a page at INFO
                Configurator.setRootLevel(Level.WARN);
            }
            SparkSession.Builder b = SparkSession.builder().appName(app).config("spark.ui.showConsoleProgress", "true");
            String m = master != null ? master : new SparkConf().get("spark.master", "local[*]");
            b.master(m);
            if (m.startsWith("local") && System.getenv("SPARK_LOCAL_IP") == null) {
                b.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1");
            }
            return b.getOrCreate();
        }
    }

    /** {@code spark-describe}: captions a folder, glob or files into a table. */
    @Command(name = "spark-describe", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Caption every image of folders, globs or files (local, HDFS, S3) on Spark into a table of path,",
                    "caption, tokens, logprob, [attention], error; an unreadable image gets an error, never fails the job."})
    static final class Describe implements Callable<Integer> {
        @Option(names = "--input", required = true, split = ",", paramLabel = "DIR|GLOB|FILE",
                description = "Folders, globs (quote them) or files, comma separated or repeated.")
        List<String> inputs;
        @Option(names = "--output", required = true, paramLabel = "PATH", description = "Output folder (a Spark table).")
        String output;
        @Option(names = "--format", defaultValue = "PARQUET",
                description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}; JSON = JSON lines).")
        SparkJobs.Format format;
        @Option(names = "--overwrite", description = "Replace an existing output.")
        boolean overwrite;
        @Option(names = "--model", paramLabel = "FILE",
                description = "A model file or checkpoint, shipped to the executors (default: the built-in model).")
        String model;
        @Option(names = "--beam", description = "Beam size, 1 = greedy (default: the model's).")
        Integer beam;
        @Option(names = "--max-length", description = "Maximum caption length in words (default: the model's).")
        Integer maxLength;
        @Option(names = "--batch", defaultValue = "8", description = "Images per batch in a task (default: ${DEFAULT-VALUE}).")
        int batch;
        @Option(names = "--partitions", defaultValue = "0",
                description = "Partitions of the input (default: 4 per core of the cluster).")
        int partitions;
        @Option(names = "--attention", description = "Also write each word's attention map.")
        boolean attention;
        @CommandLine.Mixin
        SparkOptions spark = new SparkOptions();

        @Override
        public Integer call() {
            SparkCaptioner.Builder b = SparkCaptioner.builder().optBatchSize(batch).optPartitions(partitions)
                    .optAttention(attention);
            if (model != null) {
                b.optModel(model);
            }
            if (beam != null) {
                b.optBeamSize(beam);
            }
            if (maxLength != null) {
                b.optMaxLength(maxLength);
            }
            SparkCaptioner captioner = b.build();
            SparkSession session = spark.session("caption4j spark-describe");
            try {
                Dataset<Row> captions = captioner.describe(session, inputs.toArray(new String[0]));
                SparkJobs.Summary s = SparkJobs.write(captions, output, format, overwrite);
                System.out.println(output + ": " + s);
                return s.failed() == 0 ? 0 : 1;
            } finally {
                session.stop();
            }
        }
    }

    /** {@code spark-features}: encodes images into the feature cache that train reads, or into a Parquet table. */
    @Command(name = "spark-features", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Encode images on Spark (InceptionV3, k x k pooling, float16) into the feature cache that",
                    "`caption4j train` reads (--cache), or into a table (--output) to keep on HDFS / S3 and import later",
                    "(--from TABLE --cache DIR)."})
    static final class Features implements Callable<Integer> {
        @Option(names = "--input", split = ",", paramLabel = "DIR|GLOB|FILE",
                description = "Folders, globs (quote them) or files, comma separated or repeated.")
        List<String> inputs;
        @Option(names = "--from", paramLabel = "TABLE", description = "Import a features table (Parquet) into --cache.")
        String from;
        @Option(names = "--cache", paramLabel = "DIR", description = "The feature cache to fill (default with neither "
                + "--output: ${DEFAULT-VALUE}).")
        String cache = TrainingRun.defaultFeatureCache().toString();
        @Option(names = "--output", paramLabel = "PATH", description = "Write a Parquet table instead of the cache.")
        String output;
        @Option(names = "--overwrite", description = "Replace an existing --output.")
        boolean overwrite;
        @Option(names = "--encoder", defaultValue = "nsfwjs", description = "Encoder: nsfwjs or keras:PATH "
                + "(default: ${DEFAULT-VALUE}).")
        String encoder;
        @Option(names = "--layer", defaultValue = "MIXED5",
                description = "Feature layer: MIXED5, MIXED7, MIXED10 or GRID+POOLED (default: ${DEFAULT-VALUE}).")
        String layer;
        @Option(names = "--pool", defaultValue = "2",
                description = "k x k average pooling of the grid (default: ${DEFAULT-VALUE}).")
        int pool;
        @Option(names = "--batch", defaultValue = "8", description = "Images per batch in a task (default: ${DEFAULT-VALUE}).")
        int batch;
        @Option(names = "--partitions", defaultValue = "0",
                description = "Partitions of the input (default: 4 per core of the cluster).")
        int partitions;
        @CommandLine.Mixin
        SparkOptions spark = new SparkOptions();

        @Override
        public Integer call() {
            if ((inputs == null) == (from == null)) {
                throw new CaptionException("Give --input (images to encode) or --from (a features table to import)");
            }
            if (from != null && output != null) {
                throw new CaptionException("--from imports into --cache; --output does not go with it");
            }
            SparkFeatureExtractor x = SparkFeatureExtractor.builder().optEncoder(EncoderSpec.of(encoder, layer).toString())
                    .optPool(pool).optBatchSize(batch).optPartitions(partitions).build();
            SparkSession session = spark.session("caption4j spark-features");
            try {
                SparkJobs.Summary s;
                String where;
                if (from != null) {
                    Dataset<Row> table = session.read().schema(SparkFeatureExtractor.SCHEMA).parquet(from);
                    s = SparkJobs.count(x.toCache(table, cache));
                    where = cache;
                } else if (output != null) {
                    s = SparkJobs.write(x.encode(session, inputs.toArray(new String[0])), output, SparkJobs.Format.PARQUET,
                            overwrite);
                    where = output;
                } else {
                    s = SparkJobs.count(x.toCache(x.encode(session, inputs.toArray(new String[0])), cache));
                    where = cache;
                }
                System.out.println(where + ": " + s);
                return s.failed() == 0 ? 0 : 1;
            } finally {
                session.stop();
            }
        }
    }
}
