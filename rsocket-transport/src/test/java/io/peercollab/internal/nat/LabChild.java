// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM on a {@link NatLab} host running a main class with this JVM's class path (a small heap, the client
 * compiler), talked to by lines: commands on its standard input, its output lines queued as they come.
 */
final class LabChild implements AutoCloseable {

	private final Process process;

	private final Duration wait;

	private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

	private final List<String> seen = new CopyOnWriteArrayList<>();

	/** Whether it was told to exit: then it is given 5 s to close its endpoint, else it is killed. */
	private boolean exiting;

	private LabChild(Process process, String name, Duration wait) {
		this.process = process;
		this.wait = wait;
		Thread reader = new Thread(() -> {
			try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
					StandardCharsets.UTF_8))) {
				for (String line; (line = in.readLine()) != null; ) {
					seen.add(line);
					lines.add(line);
				}
			}
			catch (IOException e) {
				// the child ended
			}
			lines.add("EXITED");
		}, name);
		reader.setDaemon(true);
		reader.start();
	}

	/**
	 * @param name names its output's reader thread
	 * @param wait how long {@link #await} waits for a line
	 */
	static LabChild start(NatLab lab, String name, Duration wait, Class<?> main, String... args) throws IOException {
		List<String> command = new ArrayList<>(List.of("nsenter", "-t", Long.toString(lab.hostPid()), "-n",
				Path.of(System.getProperty("java.home"), "bin", "java").toString(),
				"-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
				"-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
				"-cp", System.getProperty("java.class.path"), main.getName()));
		command.addAll(List.of(args));
		return new LabChild(new ProcessBuilder(command).redirectErrorStream(true).start(), name, wait);
	}

	/** @return the next line starting with one of {@code prefixes}; fails with all output otherwise */
	String await(String... prefixes) throws InterruptedException {
		long deadline = System.nanoTime() + wait.toNanos();
		while (true) {
			String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
			if (line == null || line.equals("EXITED")) {
				throw new AssertionError("no line starting with " + List.of(prefixes) + " from the endpoint"
						+ (line == null ? " within " + wait : "; it exited") + ":\n" + output());
			}
			for (String prefix : prefixes) {
				if (line.startsWith(prefix)) {
					return line;
				}
			}
		}
	}

	/** @return every line it wrote so far */
	String output() {
		return String.join("\n", seen);
	}

	void send(String command) throws IOException {
		exiting |= command.equals("EXIT");
		process.getOutputStream().write((command + "\n").getBytes(StandardCharsets.UTF_8));
		process.getOutputStream().flush();
	}

	@Override
	public void close() {
		try {
			if (!exiting || !process.waitFor(5, TimeUnit.SECONDS)) {
				process.destroyForcibly();
			}
			process.waitFor(5, TimeUnit.SECONDS);
		}
		catch (InterruptedException e) {
			process.destroyForcibly();
			Thread.currentThread().interrupt();
		}
	}
}
