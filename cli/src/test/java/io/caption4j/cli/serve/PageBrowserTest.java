package io.caption4j.cli.serve;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import io.caption4j.core.CaptionModel;
import io.caption4j.zoo.NsfwjsPackage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The web page end to end in headless Chromium (Debian's {@code chromium} and {@code chromedriver}, driven by
 * Selenium): upload a real photo, read the caption (the API's for the same photo), hover and key through the words
 * and see the attention overlay follow, upload a file that is not an image and see the error. Saves
 * {@code target/page-screenshot.png}. Skips when the browser, the encoder weights or {@code ../shared/data} are absent.
 */
class PageBrowserTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration WAIT = Duration.ofSeconds(90);
    static final String PHOTO = System.getProperty("caption4j.pagePhoto", "chelsea.png");
    static CaptionModel model;
    static CaptionServer server;
    static WebDriver browser;
    static String base;
    static Path photos;
    static String skipped;

    /** The first of these that is an executable file: a system property, an environment variable, Debian's paths. */
    static Path executable(String property, String env, String... candidates) {
        String given = System.getProperty(property, System.getenv(env));
        for (String c : given != null ? new String[]{given} : candidates) {
            Path p = Path.of(c);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    @BeforeAll
    static void start() throws Exception {
        Path chromium = executable("caption4j.chromium", "CHROMIUM", "/usr/bin/chromium", "/usr/bin/chromium-browser");
        Path driver = executable("caption4j.chromedriver", "CHROMEDRIVER", "/usr/bin/chromedriver",
                "/usr/lib/chromium/chromedriver");
        if (chromium == null || driver == null) {
            skip("chromium and chromedriver are not installed (Debian: apt-get install chromium chromium-driver)");
            return;
        }
        for (String dir : new String[]{"../shared/data/images", "../../shared/data/images"}) {
            if (Files.isRegularFile(Path.of(dir, PHOTO))) {
                photos = Path.of(dir);
                break;
            }
        }
        if (photos == null) {
            skip("../shared/data/images/" + PHOTO + " is absent");
            return;
        }
        if (!Files.isRegularFile(NsfwjsPackage.tarball())) {
            skip("nsfwjs@4.4.0 (the default model's encoder) is not in the cache");
            return;
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1200,1200", "--hide-scrollbars", "--force-device-scale-factor=1");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(driver.toFile())
                .usingAnyFreePort().build();
        try {
            browser = new ChromeDriver(service, options);
        } catch (WebDriverException e) {        // installed but cannot start here (no display libraries, no /dev/shm)
            skip("chromium did not start (" + e.getMessage().lines().findFirst().orElse("") + ")");
            return;
        }
        browser.manage().timeouts().scriptTimeout(Duration.ofSeconds(10));

        model = CaptionModel.pretrained();
        CaptionServer.Limits limits = new CaptionServer.Limits();
        limits.workers = 1;
        server = new CaptionServer(model, limits);
        base = "http://127.0.0.1:" + server.start("127.0.0.1", 0);
    }

    /** Says why on the console too: surefire's summary only counts skipped tests. */
    static void skip(String why) {
        skipped = why + ": skipping the browser test of the web page";
        System.err.println("PageBrowserTest: " + skipped);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (server != null) {
            server.close();
        }
        if (model != null) {
            model.close();
        }
    }

    /** Polls until the supplier gives a non-null value, or fails after the wait. */
    static <T> T await(String what, Supplier<T> probe) throws InterruptedException {
        long end = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < end) {
            T v = probe.get();
            if (v != null) {
                return v;
            }
            Thread.sleep(100);
        }
        fail("timed out waiting for " + what);
        return null;
    }

    static WebElement first(String css) {
        List<WebElement> found = browser.findElements(By.cssSelector(css));
        return found.isEmpty() ? null : found.get(0);
    }

    /** The overlay's word (data-word) and the sum of its alpha channel: what it shows over the photo. */
    static List<?> overlay() {
        return (List<?>) ((JavascriptExecutor) browser).executeScript(
                "const c = document.querySelector('.card .panel canvas.overlay');"
                        + "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
                        + "let s = 0; for (let i = 3; i < d.length; i += 4) s += d[i];"
                        + "return [c.dataset.word, s];");
    }

    @Test
    void capturesAPhotoShowsItsAttentionPerWordAndExplainsABadFile() throws Exception {
        assumeTrue(skipped == null, skipped);
        browser.get(base + "/");
        assertEquals("caption4j: describe a photo", browser.getTitle());
        Path photo = photos.resolve(PHOTO).toAbsolutePath().normalize();
        browser.findElement(By.id("file")).sendKeys(photo.toString());

        WebElement panel = await("the caption", () -> first(".card .panel[data-state=done], .card .panel[data-state=error]"));
        assertEquals("done", panel.getAttribute("data-state"), panel.getText());
        List<WebElement> words = panel.findElements(By.cssSelector(".caption .word"));
        String shown = words.stream().map(WebElement::getText).collect(Collectors.joining(" "));
        HttpResponse<String> api = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/v1/captions"))
                .header("Content-Type", "image/png").POST(HttpRequest.BodyPublishers.ofFile(photo)).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode answer = JSON.readTree(api.body());
        assertEquals(answer.get("caption").asText(), shown, "the page shows the API's caption for the same photo");
        assertTrue(words.size() >= 2, shown);
        assertTrue(panel.findElement(By.cssSelector(".meta")).getText().contains("log P"));
        assertEquals(words.size(), panel.findElements(By.cssSelector(".tiles .tile")).size(), "one grid tile per word");
        assertTrue(panel.findElement(By.cssSelector("pre.curl")).getAttribute("textContent")
                .contains("/v1/captions?attention=true"), "the API call is shown as curl");

        assertEquals(List.of("-1", 0L), overlay(), "no word: the plain photo");
        new Actions(browser).moveToElement(words.get(1)).perform();
        List<?> hovered = overlay();
        assertEquals("1", hovered.get(0), "hovering the second word shows its map");
        assertTrue(((Number) hovered.get(1)).longValue() > 0, "the overlay darkens where the model did not look");
        Path screenshot = Path.of("target", "page-screenshot.png");
        Files.createDirectories(screenshot.getParent());
        Files.write(screenshot, ((ChromeDriver) browser).getScreenshotAs(OutputType.BYTES));

        new Actions(browser).moveToElement(browser.findElement(By.tagName("h1"))).perform();
        assertEquals(List.of("-1", 0L), overlay(), "leaving the word shows the plain photo again");
        ((JavascriptExecutor) browser).executeScript("arguments[0].focus()", words.get(0));
        assertEquals("0", overlay().get(0), "keyboard focus shows the focused word's map");
        words.get(0).sendKeys(Keys.ARROW_RIGHT);
        assertEquals("1", overlay().get(0), "the arrow key moves to the next word");
        assertEquals(words.get(1), browser.switchTo().activeElement());
        Object first = overlay().get(1);
        words.get(1).sendKeys(Keys.ARROW_LEFT);
        assertNotEquals(first, overlay().get(1), "another word, another map");

        Path text = Files.createTempFile("notes", ".txt");
        try {
            Files.writeString(text, "this is not an image");
            browser.findElement(By.id("file")).sendKeys(text.toAbsolutePath().toString());
            WebElement error = await("the error", () -> first(".card:first-child .panel[data-state=error] .error"));
            assertEquals("400", error.getAttribute("data-status"));
            assertTrue(error.getText().contains("is not an image the server can read"), error.getText());
            assertTrue(error.getText().contains(text.getFileName().toString()), error.getText());
        } finally {
            Files.deleteIfExists(text);
        }
        assertEquals(2, browser.findElements(By.cssSelector(".card")).size(), "the photo's card stays");

        browser.manage().window().setSize(new Dimension(390, 844));          // a phone
        Thread.sleep(300);
        Number overflow = (Number) ((JavascriptExecutor) browser).executeScript(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
        assertEquals(0, overflow.intValue(), "no sideways scrolling on a phone-sized screen");
    }
}
