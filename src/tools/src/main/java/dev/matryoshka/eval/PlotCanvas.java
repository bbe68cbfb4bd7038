package dev.matryoshka.eval;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.util.Locale;

/**
 * The drawing operations {@link Plot} needs, so one layout feeds both the SVG and the PNG output.
 * Coordinates are pixels from the top-left corner; colours are {@code #rrggbb}.
 */
interface PlotCanvas {
  /** Horizontal placement of text relative to its x. */
  enum Anchor {
    START,
    MIDDLE,
    END
  }

  void line(double x1, double y1, double x2, double y2, String color, double width, boolean dashed);

  void polyline(double[] xs, double[] ys, int n, String color, double width);

  void circle(double cx, double cy, double r, String color);

  void rect(double x, double y, double w, double h, String stroke, String fill);

  /** Draws text whose vertical middle is at {@code y}; {@code vertical} rotates it -90 degrees. */
  void text(double x, double y, String s, int size, Anchor anchor, boolean vertical, boolean bold);

  /** Hand-written SVG: every element is one line, attribute values escaped. */
  final class Svg implements PlotCanvas {
    private final StringBuilder sb = new StringBuilder();

    Svg(int width, int height) {
      sb.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
          .append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width)
          .append("\" height=\"").append(height).append("\" viewBox=\"0 0 ").append(width)
          .append(' ').append(height).append("\" font-family=\"sans-serif\">\n")
          .append("<rect x=\"0\" y=\"0\" width=\"").append(width).append("\" height=\"")
          .append(height).append("\" fill=\"#ffffff\"/>\n");
    }

    String finish() {
      return sb + "</svg>\n";
    }

    @Override
    public void line(double x1, double y1, double x2, double y2, String color, double width, boolean dashed) {
      sb.append("<line x1=\"").append(f(x1)).append("\" y1=\"").append(f(y1))
          .append("\" x2=\"").append(f(x2)).append("\" y2=\"").append(f(y2))
          .append("\" stroke=\"").append(color).append("\" stroke-width=\"").append(f(width)).append('"')
          .append(dashed ? " stroke-dasharray=\"4 3\"" : "").append("/>\n");
    }

    @Override
    public void polyline(double[] xs, double[] ys, int n, String color, double width) {
      sb.append("<polyline fill=\"none\" stroke=\"").append(color).append("\" stroke-width=\"")
          .append(f(width)).append("\" stroke-linejoin=\"round\" points=\"");
      for (int i = 0; i < n; i++) {
        sb.append(i == 0 ? "" : " ").append(f(xs[i])).append(',').append(f(ys[i]));
      }
      sb.append("\"/>\n");
    }

    @Override
    public void circle(double cx, double cy, double r, String color) {
      sb.append("<circle cx=\"").append(f(cx)).append("\" cy=\"").append(f(cy)).append("\" r=\"")
          .append(f(r)).append("\" fill=\"").append(color).append("\"/>\n");
    }

    @Override
    public void rect(double x, double y, double w, double h, String stroke, String fill) {
      sb.append("<rect x=\"").append(f(x)).append("\" y=\"").append(f(y)).append("\" width=\"")
          .append(f(w)).append("\" height=\"").append(f(h)).append("\" stroke=\"").append(stroke)
          .append("\" fill=\"").append(fill).append("\"/>\n");
    }

    @Override
    public void text(double x, double y, String s, int size, Anchor anchor, boolean vertical, boolean bold) {
      String a = switch (anchor) {
        case START -> "start";
        case MIDDLE -> "middle";
        case END -> "end";
      };
      // dominant-baseline is not honoured by every viewer; a fixed shift centres text everywhere
      double baseline = 0.35 * size;
      sb.append("<text x=\"").append(f(vertical ? x + baseline : x)).append("\" y=\"")
          .append(f(vertical ? y : y + baseline)).append("\" font-size=\"").append(size)
          .append("\" text-anchor=\"").append(a).append('"')
          .append(bold ? " font-weight=\"bold\"" : "");
      if (vertical) {
        sb.append(" transform=\"rotate(-90 ").append(f(x + baseline)).append(' ').append(f(y)).append(")\"");
      }
      sb.append('>').append(escape(s)).append("</text>\n");
    }

    private static String f(double v) {
      return String.format(Locale.ROOT, "%.2f", v);
    }

    static String escape(String s) {
      StringBuilder out = new StringBuilder(s.length());
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        switch (c) {
          case '&' -> out.append("&amp;");
          case '<' -> out.append("&lt;");
          case '>' -> out.append("&gt;");
          case '"' -> out.append("&quot;");
          case '\'' -> out.append("&apos;");
          default -> {
            // control characters are not allowed in XML 1.0 at all
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
              out.append(' ');
            } else {
              out.append(c);
            }
          }
        }
      }
      return out.toString();
    }
  }

  /** java.awt rendering into an RGB image, antialiased. */
  final class Awt implements PlotCanvas {
    private final BufferedImage image;
    private final Graphics2D g;

    Awt(int width, int height) {
      image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
      g = image.createGraphics();
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, width, height);
    }

    BufferedImage finish() {
      g.dispose();
      return image;
    }

    @Override
    public void line(double x1, double y1, double x2, double y2, String color, double width, boolean dashed) {
      g.setColor(Color.decode(color));
      g.setStroke(dashed
          ? new BasicStroke((float) width, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
              new float[] {4f, 3f}, 0f)
          : new BasicStroke((float) width));
      g.draw(new Line2D.Double(x1, y1, x2, y2));
    }

    @Override
    public void polyline(double[] xs, double[] ys, int n, String color, double width) {
      Path2D.Double p = new Path2D.Double();
      for (int i = 0; i < n; i++) {
        if (i == 0) {
          p.moveTo(xs[i], ys[i]);
        } else {
          p.lineTo(xs[i], ys[i]);
        }
      }
      g.setColor(Color.decode(color));
      g.setStroke(new BasicStroke((float) width, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
      g.draw(p);
    }

    @Override
    public void circle(double cx, double cy, double r, String color) {
      g.setColor(Color.decode(color));
      g.fill(new Ellipse2D.Double(cx - r, cy - r, 2 * r, 2 * r));
    }

    @Override
    public void rect(double x, double y, double w, double h, String stroke, String fill) {
      Rectangle2D.Double box = new Rectangle2D.Double(x, y, w, h);
      g.setColor(Color.decode(fill));
      g.fill(box);
      g.setColor(Color.decode(stroke));
      g.setStroke(new BasicStroke(1f));
      g.draw(box);
    }

    @Override
    public void text(double x, double y, String s, int size, Anchor anchor, boolean vertical, boolean bold) {
      g.setFont(new Font(Font.SANS_SERIF, bold ? Font.BOLD : Font.PLAIN, size));
      g.setColor(Color.decode("#222222"));
      FontMetrics fm = g.getFontMetrics();
      double w = fm.stringWidth(s);
      double dx = switch (anchor) {
        case START -> 0;
        case MIDDLE -> -w / 2;
        case END -> -w;
      };
      double dy = (fm.getAscent() - fm.getDescent()) / 2.0;
      AffineTransform saved = g.getTransform();
      g.translate(x, y);
      if (vertical) {
        g.rotate(-Math.PI / 2);
      }
      g.drawString(s, (float) dx, (float) dy);
      g.setTransform(saved);
    }
  }
}
