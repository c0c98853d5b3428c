#!/usr/bin/env bash
# Checks the README's "Use as a library" section end to end, as a new user would: installs caption4j into the local
# Maven repository, makes a separate project from the README's consumer pom.xml and Java snippet (extracted from the
# README itself, so the docs cannot drift), and describes a photo with it. Needs network for the first run
# (nd4j-native-platform is large). Usage: scripts/consumer-check.sh [photo] (default: a sample photo of ../shared/data).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
photo=${1:-$root/../shared/data/images/owl.jpg}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "== installing caption4j (layers, core, zoo) into ~/.m2"
(cd "$root" && mvn -q -B install -pl layers,core,zoo -am -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true)
echo "== consumer project in $work"
section=$(awk '/^## Use as a library/{on=1; next} /^## /{on=0} on' "$root/README.md")
awk '/^```xml/{on=1; next} /^```/{if(on){exit}} on' <<<"$section" > "$work/pom.xml"
snippet=$(awk '/^```java/{on=1; next} /^```/{if(on){exit}} on' <<<"$section")
imports=$(tr '\n' ' ' <<<"$section" | sed 's/.*Imports of the snippet below: //; s/\. With .*//' \
  | grep -o '`[a-zA-Z0-9.]*`' | tr -d '`' | sed 's/.*/import &;/')
mkdir -p "$work/src/main/java"
cat > "$work/src/main/java/Main.java" <<JAVA
$imports

public class Main {
    public static void main(String[] args) throws Exception {
$snippet
    }
}
JAVA
cp "$photo" "$work/photo.${photo##*.}"
[ "${photo##*.}" = jpg ] || sed -i "s/photo\.jpg/photo.${photo##*.}/" "$work/src/main/java/Main.java"
cd "$work"
echo "== mvn compile (the README's pom, Maven $(mvn -v | head -1 | awk '{print $3}'))"
mvn -q -B compile dependency:build-classpath -Dmdep.outputFile=cp.txt
echo "== java Main"
java -cp "target/classes:$(cat cp.txt)" Main
