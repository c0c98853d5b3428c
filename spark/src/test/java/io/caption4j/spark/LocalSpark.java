package io.caption4j.spark;

import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.spark.sql.SparkSession;

/** The tests' Spark: local mode with two worker threads, no UI; and where the real data is. */
final class LocalSpark {
    private LocalSpark() {
    }

    /** A local[2] session (Spark's getOrCreate: one per JVM until a test class stops it). */
    static SparkSession session() {
        return session("local[2]");
    }

    static SparkSession session(String master) {
        return SparkSession.builder().master(master).appName("caption4j-test").config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "4").getOrCreate();
    }

    /** The shared data folder's sub-folder (../shared/data/... seen from the repository or from the module). */
    static Path data(String sub) {
        for (String base : new String[]{"../shared/data/", "../../shared/data/"}) {
            Path p = Path.of(base + sub);
            if (Files.exists(p)) {
                return p.toAbsolutePath().normalize();
            }
        }
        return Path.of("../../shared/data/" + sub);
    }
}
