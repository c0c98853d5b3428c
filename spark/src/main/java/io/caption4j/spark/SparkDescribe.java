package io.caption4j.spark;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import io.caption4j.core.CaptionException;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code spark-describe}: captions a folder or glob of images as a Spark job and writes the table (Parquet or JSON
 * lines); Spark's console progress bar shows the stages, a last line counts done, failed and seconds.
 */
@Command(name = "spark-describe", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Caption a folder or glob of images with Apache Spark into a Parquet or JSON-lines table "
                + "(path, caption, tokens, logProb, error).")
public final class SparkDescribe implements Callable<Integer> {
    @Option(names = "--input", required = true, arity = "1..*", paramLabel = "DIR|GLOB",
            description = "Folders, globs or files: local paths or Hadoop URIs (hdfs:, s3a:, ...).")
    List<String> input;
    @Option(names = "--output", required = true, paramLabel = "OUT", description = "The output folder (replaced).")
    String output;
    @Option(names = "--model", paramLabel = "FILE",
            description = "A model file or checkpoint every executor can read (default: the built-in Flickr8k model).")
    String model;
    @Option(names = "--beam", description = "Beam size, 1 = greedy (default: the model's).")
    Integer beam;
    @Option(names = "--batch", description = "Images per describeAll call within a partition (default: ${DEFAULT-VALUE}).")
    int batch = 16;
    @Option(names = "--master", description = "Spark master, e.g. local[2] (default: spark-submit's, else local[*]).")
    String master;
    @Option(names = "--format", description = "parquet or json (JSON lines) (default: ${DEFAULT-VALUE}).")
    String format = "parquet";

    @Override
    public Integer call() {
        SparkCaptioner.Format f = switch (format.toLowerCase(Locale.ROOT)) {
            case "parquet" -> SparkCaptioner.Format.PARQUET;
            case "json" -> SparkCaptioner.Format.JSON;
            default -> throw new CaptionException("--format must be parquet or json, got " + format);
        };
        SparkCaptioner.Builder b = SparkCaptioner.builder().optBatchSize(batch);
        if (model != null) {
            b.optModel(model);
        }
        if (beam != null) {
            b.optBeamSize(beam);
        }
        SparkCaptioner captioner = b.build();
        SparkSession.Builder sb = SparkSession.builder().appName("caption4j spark-describe")
                .config("spark.ui.showConsoleProgress", "true");
        if (master != null) {
            sb.master(master);
        } else if (!new org.apache.spark.SparkConf().contains("spark.master")) {
            sb.master("local[*]");
        }
        SparkSession spark = sb.getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        try {
            long t0 = System.nanoTime();
            SparkCaptioner.write(captioner.describeFiles(spark, input.toArray(String[]::new)), output, f);
            Dataset<Row> written = f == SparkCaptioner.Format.JSON
                    ? spark.read().schema(SparkCaptioner.SCHEMA).json(output) : spark.read().parquet(output);
            long failed = written.filter("error is not null").count();
            long done = written.count() - failed;
            System.out.printf(Locale.ROOT, "done %d, failed %d, %.1f seconds%n", done, failed, (System.nanoTime() - t0) / 1e9);
            return 0;
        } catch (Exception e) {   // Scala code throws the checked AnalysisException undeclared
            if (e instanceof AnalysisException a) {
                throw new CaptionException(a.getSimpleMessage(), a);   // e.g. [PATH_NOT_FOUND] Path does not exist: ...
            }
            throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
        } finally {
            spark.stop();
        }
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command and returns its exit code; bad input prints one line (exit 2), not a stack trace. */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new SparkDescribe());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof CaptionException || e instanceof IllegalArgumentException) {
                commandLine.getErr().println("error: " + e.getMessage());
                return 2;
            }
            throw e;
        });
        return cli.execute(args);
    }
}
