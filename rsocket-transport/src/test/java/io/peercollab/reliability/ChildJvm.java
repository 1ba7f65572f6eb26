// SPDX-License-Identifier: Apache-2.0
package io.peercollab.reliability;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A second JVM running a main class of the test sources, with the test JVM's class path. Its standard output is read
 * line by line on a thread of its own; its standard error goes to a file that failures quote.
 */
final class ChildJvm implements AutoCloseable {

	/** What the queue holds once the child's output ended. */
	private static final String END = "\u0000end";

	final Process process;
	private final Path errors;
	private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

	private ChildJvm(Process process, Path errors) {
		this.process = process;
		this.errors = errors;
		Thread reader = new Thread(() -> {
			try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
					StandardCharsets.UTF_8))) {
				String line;
				while ((line = in.readLine()) != null) {
					lines.add(line);
				}
			}
			catch (IOException e) {
				// the child was killed: its output ends here
			}
			lines.add(END);
		}, "child-jvm-reader");
		reader.setDaemon(true);
		reader.start();
	}

	static ChildJvm start(Class<?> main, Path errors, String... args) throws IOException {
		List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
				.toString(), "-Xmx256m", "-Djava.net.preferIPv4Stack=true", "-cp", System.getProperty("java.class.path"),
				main.getName()));
		command.addAll(List.of(args));
		return new ChildJvm(new ProcessBuilder(command).redirectError(errors.toFile()).start(), errors);
	}

	/** @return the next line the child printed, or {@code null} once its output ended */
	String nextLine(Duration timeout) throws InterruptedException {
		String line = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
		if (line == null) {
			throw new AssertionError("the child printed nothing for " + timeout.toMillis() + " ms; its errors: "
					+ errors());
		}
		if (line.equals(END)) {
			lines.add(END);
			return null;
		}
		return line;
	}

	/** @return the next line starting with {@code prefix}, skipping others, without the prefix */
	String expect(String prefix, Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (true) {
			String line = nextLine(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
			if (line == null) {
				throw new AssertionError("the child ended before printing " + prefix + "; its errors: " + errors());
			}
			if (line.startsWith(prefix)) {
				return line.substring(prefix.length());
			}
		}
	}

	/** Writes one line to the child's standard input. */
	void send(String line) throws IOException {
		process.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
		process.getOutputStream().flush();
	}

	String errors() {
		try {
			return Files.readString(errors);
		}
		catch (IOException e) {
			return "(unreadable: " + e + ")";
		}
	}

	/** Kills the child at once (SIGKILL) and waits for it to be gone. */
	void kill() throws InterruptedException {
		process.destroyForcibly();
		if (!process.waitFor(30, TimeUnit.SECONDS)) {
			throw new AssertionError("the child did not die within 30 s");
		}
	}

	/** Kills the child if it still runs; a test that is interrupted meanwhile keeps its interrupt. */
	@Override
	public void close() {
		if (process.isAlive()) {
			try {
				kill();
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
		}
	}
}
