package io.caption4j.spark;

import java.util.Locale;

import io.caption4j.core.CaptionException;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

import static org.apache.spark.sql.functions.col;

/** What the Spark jobs share: listing the input files, writing a result table and counting what it holds. */
public final class SparkJobs {
    private SparkJobs() {
    }

    /** The output formats of a result table. */
    public enum Format {
        /** Apache Parquet (the default: columnar, compressed, what Spark and pandas read fastest). */
        PARQUET,
        /** JSON lines, one object per row. */
        JSON
    }

    /** What a job wrote: rows with a result, rows with an error, wall seconds of the write. */
    public record Summary(long done, long failed, double seconds) {
        /** The closing line of the command line: done / failed / seconds. */
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "done %d, failed %d, %.1f s (%.2f images/s)", done, failed, seconds,
                    (done + failed) / Math.max(seconds, 1e-9));
        }
    }

    /** Runs a result table's job without writing it (its rows are done where it has side effects) and counts them. */
    public static Summary count(Dataset<Row> table) {
        long t0 = System.nanoTime();
        Row r = table.agg(functions.count(functions.lit(1)), functions.count(col("error"))).first();
        return new Summary(r.getLong(0) - r.getLong(1), r.getLong(1), (System.nanoTime() - t0) / 1e9);
    }

    /** The paths of the files of folders, globs or files, one row each (column {@code path}), not yet read. */
    static Dataset<Row> listFiles(SparkSession spark, String... inputs) {
        if (inputs == null || inputs.length == 0) {
            throw new CaptionException("No input: give a folder, a glob or image files");
        }
        try {
            return spark.read().format("binaryFile").load(inputs).select("path");
        } catch (Exception e) {                        // Spark throws AnalysisException (checked) undeclared
            if (e instanceof AnalysisException) {
                throw new CaptionException("Cannot list the input " + String.join(", ", inputs) + ": "
                        + e.getMessage().split("\n")[0], e);
            }
            throw e instanceof RuntimeException ? (RuntimeException) e : new IllegalStateException(e);
        }
    }

    /**
     * Writes a result table (a column {@code error} is null on rows that succeeded) and counts its rows by reading back
     * the error column; an existing output is an error unless {@code overwrite}.
     */
    public static Summary write(Dataset<Row> table, String output, Format format, boolean overwrite) {
        long t0 = System.nanoTime();
        SaveMode mode = overwrite ? SaveMode.Overwrite : SaveMode.ErrorIfExists;
        String f = format.name().toLowerCase(Locale.ROOT);
        try {
            table.write().mode(mode).format(f).save(output);
        } catch (Exception e) {
            if (e instanceof AnalysisException && String.valueOf(e.getMessage()).contains("exists")) {
                throw new CaptionException(output + " exists: choose another output or overwrite it (--overwrite)", e);
            }
            throw e instanceof RuntimeException ? (RuntimeException) e : new IllegalStateException(e);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        Dataset<Row> back = table.sparkSession().read().schema(table.schema()).format(f).load(output);
        long all = back.count();
        long failed = all == 0 ? 0 : back.filter(col("error").isNotNull()).count();
        return new Summary(all - failed, failed, seconds);
    }
}
