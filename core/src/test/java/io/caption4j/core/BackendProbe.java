package io.caption4j.core;

import java.io.ByteArrayInputStream;

/** Run in a JVM without an ND4J backend by {@link BackendTest}: prints the message a new user would see. */
public final class BackendProbe {
    private BackendProbe() {
    }

    public static void main(String[] args) {
        try {
            CaptionModel.load(new ByteArrayInputStream(new byte[0]), "probe", null);
        } catch (CaptionException e) {
            System.out.println("CaptionException: " + e.getMessage());
        }
    }
}
