package io.caption4j.cli;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;

import io.caption4j.core.Caption;

/**
 * The paper's attention figure: the photo, then one tile per generated word with the word's attention map
 * upsampled (bilinear) over the photo, bright where the decoder looked and dark elsewhere, the word underneath.
 */
public final class AttentionFigure {
    static final int TILE = 224, LABEL = 26, COLUMNS = 5, GAP = 6;

    private AttentionFigure() {
    }

    public static BufferedImage render(BufferedImage photo, Caption caption) {
        int tiles = caption.tokens().size() + 1;
        int cols = Math.min(COLUMNS, tiles), rows = (tiles + COLUMNS - 1) / COLUMNS;
        BufferedImage out = new BufferedImage(cols * (TILE + GAP) + GAP, rows * (TILE + LABEL + GAP) + GAP,
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        BufferedImage base = scaled(photo);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 16));
        for (int t = 0; t < tiles; t++) {
            int x = GAP + (t % COLUMNS) * (TILE + GAP), y = GAP + (t / COLUMNS) * (TILE + LABEL + GAP);
            BufferedImage tile = t == 0 ? base : overlay(base, caption.attention(t - 1));
            g.drawImage(tile, x, y, null);
            String label = t == 0 ? "<start>" : caption.tokens().get(t - 1);
            FontMetrics fm = g.getFontMetrics();
            g.setColor(Color.BLACK);
            g.drawString(label, x + (TILE - fm.stringWidth(label)) / 2, y + TILE + fm.getAscent() + 3);
        }
        g.dispose();
        return out;
    }

    private static BufferedImage scaled(BufferedImage photo) {
        BufferedImage s = new BufferedImage(TILE, TILE, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = s.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(photo, 0, 0, TILE, TILE, null);
        g.dispose();
        return s;
    }

    /** The photo modulated by the map (normalised to its maximum), upsampled bilinearly to the tile. */
    static BufferedImage overlay(BufferedImage base, float[][] map) {
        int h = map.length, w = map[0].length;
        float max = 1e-12f;
        for (float[] row : map) {
            for (float v : row) {
                max = Math.max(max, v);
            }
        }
        BufferedImage out = new BufferedImage(TILE, TILE, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < TILE; y++) {
            float gy = Math.max(0, Math.min(h - 1, (y + 0.5f) * h / TILE - 0.5f));
            int y0 = (int) gy, y1 = Math.min(h - 1, y0 + 1);
            float fy = gy - y0;
            for (int x = 0; x < TILE; x++) {
                float gx = Math.max(0, Math.min(w - 1, (x + 0.5f) * w / TILE - 0.5f));
                int x0 = (int) gx, x1 = Math.min(w - 1, x0 + 1);
                float fx = gx - x0;
                float a = ((1 - fy) * ((1 - fx) * map[y0][x0] + fx * map[y0][x1])
                        + fy * ((1 - fx) * map[y1][x0] + fx * map[y1][x1])) / max;
                float k = 0.15f + 0.85f * a;
                int rgb = base.getRGB(x, y);
                int r = (int) (((rgb >> 16) & 255) * k), gg = (int) (((rgb >> 8) & 255) * k), b = (int) ((rgb & 255) * k);
                out.setRGB(x, y, (r << 16) | (gg << 8) | b);
            }
        }
        return out;
    }
}
