// SPDX-License-Identifier: Apache-2.0
package io.peercollab.agent;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A program of this test class path in its own JVM, whose output lines (echoed to this JVM's output) a test awaits.
 * The caller ends the process.
 */
final class ChildJvm {

	private static final Duration WAIT = Duration.ofSeconds(60);

	private final Process process;
	private final Sinks.Many<String> lines;

	private ChildJvm(Process process, Sinks.Many<String> lines) {
		this.process = process;
		this.lines = lines;
	}

	/** @return {@code java -cp <this class path> main args...}, started, its output being read */
	static ChildJvm start(Class<?> main, List<String> args) throws IOException {
		List<String> command = new ArrayList<>(List.of(java(), "-Xmx256m", "-cp", System.getProperty(
				"java.class.path"), main.getName()));
		command.addAll(args);
		Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
		Sinks.Many<String> lines = Sinks.many().replay().all();
		Thread reader = new Thread(() -> {
			try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
					StandardCharsets.UTF_8))) {
				for (String line = r.readLine(); line != null; line = r.readLine()) {
					System.out.println("[" + main.getSimpleName() + " " + p.pid() + "] " + line);
					synchronized (lines) {
						lines.tryEmitNext(line);
					}
				}
			}
			catch (IOException e) {
				// the process ended
			}
			synchronized (lines) {
				lines.tryEmitComplete();
			}
		}, "child-output-" + p.pid());
		reader.setDaemon(true);
		reader.start();
		return new ChildJvm(p, lines);
	}

	/** @return this JVM's {@code java} */
	static String java() {
		return Path.of(System.getProperty("java.home"), "bin", "java").toString();
	}

	Process process() {
		return process;
	}

	/** @return every line printed so far, then those to come, completing when the process's output ends */
	Flux<String> lines() {
		return lines.asFlux();
	}

	/** @return the first line that starts with {@code prefix}; fails if the output ends without one */
	String awaitPrefix(String prefix) {
		return lines.asFlux().filter(l -> l.startsWith(prefix)).next()
				.switchIfEmpty(Mono.error(() -> new AssertionError("the child ended without printing " + prefix)))
				.block(WAIT);
	}

	/** Returns once the child printed {@code line}; fails if the output ends without it. */
	void await(String line) {
		lines.asFlux().filter(l -> l.equals(line)).next()
				.switchIfEmpty(Mono.error(() -> new AssertionError("the child ended without printing " + line)))
				.block(WAIT);
	}
}
