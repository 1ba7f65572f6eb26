// SPDX-License-Identifier: Apache-2.0
package io.peercollab.examples.meeting;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless Chromium driven by its chromium-driver, both named by path so that Selenium Manager never runs
 * (nothing is downloaded). A test calls {@link #assumeAvailable()} first: without them it is skipped with the reason,
 * and with the environment variable {@code PEERCOLLAB_CI} set (as {@code .ci/run} sets it, having installed them) it
 * fails instead.
 */
final class Chromium {

	/** Debian's browser; {@code -Dmeeting.chromium=PATH} names another. */
	static final File BROWSER = new File(System.getProperty("meeting.chromium", "/usr/bin/chromium"));
	/** Debian's driver; {@code -Dmeeting.chromedriver=PATH} names another, of the same version as the browser. */
	static final File DRIVER = new File(System.getProperty("meeting.chromedriver", "/usr/bin/chromedriver"));
	static final Path SCREENSHOTS = Path.of("target", "meeting-screenshots");
	static final Duration WAIT = Duration.ofSeconds(30);

	private Chromium() {
	}

	/** Skips the calling test unless Chromium and its driver are here; fails it instead under {@code PEERCOLLAB_CI}. */
	static void assumeAvailable() {
		String missing = !BROWSER.canExecute() ? BROWSER + " is missing"
				: !DRIVER.canExecute() ? DRIVER + " is missing" : null;
		if (missing == null) {
			return;
		}
		String reason = missing + ": install the Debian packages chromium and chromium-driver (.ci/run does as root)";
		if (System.getenv("PEERCOLLAB_CI") != null) {
			Assertions.fail("PEERCOLLAB_CI is set, and the browser tests cannot run: " + reason);
		}
		Assumptions.abort(reason);
	}

	/** A new headless browser with a window of its own; {@link WebDriver#quit()} closes it. */
	static ChromeDriver start(String name) {
		try {
			Files.createDirectories(SCREENSHOTS);
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		ChromeDriverService service = new ChromeDriverService.Builder()
				.usingDriverExecutable(DRIVER)
				.usingAnyFreePort()
				.withLogFile(new File("target/chromedriver-" + name + ".log"))
				.build();
		ChromeOptions options = new ChromeOptions();
		options.setBinary(BROWSER);
		options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
				"--window-size=1280,1043", "--no-first-run", "--no-default-browser-check",
				"--disable-background-networking", "--disable-component-update", "--disable-sync",
				"--disable-extensions", "--disable-background-timer-throttling",
				"--disable-renderer-backgrounding", "--disable-backgrounding-occluded-windows");
		return new ChromeDriver(service, options);
	}

	/** Waits until {@code condition} holds (a non-null, non-false value), polling the page. */
	static <T> T await(WebDriver driver, String what, Function<WebDriver, T> condition) {
		return new WebDriverWait(driver, WAIT, Duration.ofMillis(25)).withMessage(what).until(condition);
	}

	static Object js(WebDriver driver, String script, Object... args) {
		return ((JavascriptExecutor) driver).executeScript(script, args);
	}

	/** Saves what the page shows now as {@code target/meeting-screenshots/NAME.png}. */
	static Path screenshot(ChromeDriver driver, String name) {
		Path file = SCREENSHOTS.resolve(name + ".png");
		js(driver, "window.scrollTo(0, 0);");
		try {
			Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		return file;
	}
}
