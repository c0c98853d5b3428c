#!/usr/bin/env bash
# Prints the jars spark-submit needs beside spark/target/caption4j-spark-*.jar, comma-separated for --jars: the
# caption4j modules, DL4J/ND4J with this build's native backend (-Dnd4j.classifier, -Pportable as for the build),
# and the rest of their runtime dependencies; not Spark's own jars (provided scope: the cluster has them), not JUnit.
# Builds the modules first (mvn package, no install). Usage: spark-submit ... --jars "$(scripts/spark-jars.sh)" ...
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -Dstyle.color=never package dependency:list -pl spark -am -DskipTests -Dmaven.javadoc.skip=true \
  -Dmaven.source.skip=true -DoutputAbsoluteArtifactFilename=true -DoutputFile=target/dependencies.txt "$@" >&2
# lines: group:artifact:type[:classifier]:version:scope:/path/to.jar (the caption4j modules: their target/ jars)
grep -E '^ +[^ ]+:(compile|runtime|test):/' spark/target/dependencies.txt | grep -v -e ':org.junit' -e '^ *org.junit' \
  -e '^ *org.opentest4j' -e '^ *org.apiguardian' | sed -E 's/.*:(compile|runtime|test):(.*)$/\2/' | sed 's/ .*//' | paste -sd, -
