// SPDX-License-Identifier: Apache-2.0
package io.peercollab.examples.meeting;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A person's Meeting Space as its own process: the command a person runs ({@link MeetingSpace#main}), in a child JVM
 * with this JVM's class path, over TCP on 127.0.0.1 and mDNS on {@code lo} with the test's service type. Its standard
 * error goes to a file that failures quote; {@link #kill()} is {@code kill -9}.
 */
final class MeetingSpaceProcess implements AutoCloseable {

	final String nickname;
	final Process process;
	private final Path errors;
	private final CompletableFuture<String> url = new CompletableFuture<>();
	private final StringBuffer output = new StringBuffer();

	MeetingSpaceProcess(String nickname, String serviceType, Path dir) throws IOException {
		this.nickname = nickname;
		Files.createDirectories(dir);
		this.errors = dir.resolve("stderr.txt");
		List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
						.toString(), "-Xmx256m", "-Djava.net.preferIPv4Stack=true",
				"-Dio.netty.machineId=02:00:00:00:00:02", "-cp", System.getProperty("java.class.path"),
				MeetingSpace.class.getName(), "--nickname", nickname, "--interface", "lo", "--service-type",
				serviceType, "--data-dir", dir.resolve("data").toString()));
		process = new ProcessBuilder(command).redirectError(errors.toFile()).start();
		Thread reader = new Thread(() -> {
			try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
					StandardCharsets.UTF_8))) {
				for (String line; (line = in.readLine()) != null; ) {
					output.append(line).append('\n');
					if (line.startsWith("open http://127.0.0.1:")) {
						url.complete(line.substring("open ".length()));
					}
				}
			}
			catch (IOException e) {
				// killed: its output ends here
			}
			url.completeExceptionally(new AssertionError(nickname + "'s Meeting Space ended before printing its URL; "
					+ "it printed: " + output + "; its errors: " + errors()));
		}, "meeting-space-" + nickname + "-output");
		reader.setDaemon(true);
		reader.start();
	}

	/** @return the page's address, once the child printed it (it is up: endpoint signed in, page served) */
	String url() throws InterruptedException {
		try {
			return url.get(60, TimeUnit.SECONDS);
		}
		catch (ExecutionException e) {
			throw (AssertionError) e.getCause();
		}
		catch (TimeoutException e) {
			throw new AssertionError(nickname + "'s Meeting Space printed no URL within 60 s; its errors: " + errors());
		}
	}

	String errors() {
		try {
			return Files.readString(errors);
		}
		catch (IOException e) {
			return "(unreadable: " + e + ")";
		}
	}

	/** Kills the process at once (SIGKILL: no shutdown hook, no goodbye) and waits until it is gone. */
	void kill() throws InterruptedException {
		process.destroyForcibly();
		if (!process.waitFor(30, TimeUnit.SECONDS)) {
			throw new AssertionError(nickname + "'s Meeting Space did not die within 30 s");
		}
	}

	@Override
	public void close() throws InterruptedException {
		if (process.isAlive()) {
			kill();
		}
	}
}
