// SPDX-License-Identifier: Apache-2.0
package example;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.peercollab.PeerCollaboration;
import io.peercollab.PeerScope;
import io.peercollab.agent.PeerCollabAgent;

/**
 * A user's program that runs the shared way, on nothing but this project's classpath: it starts the user's agent as
 * a child JVM ({@code io.peercollab.agent.PeerCollabAgent} in the directory that {@code peercollab.agent.dir} names,
 * no discovery, a store in memory), attaches twice with {@code PeerCollaboration.agent()} as two applications would,
 * signs in from the first and waits until the second sees it, then asks the agent to stop and checks that it ended
 * and left no socket behind. Exits 0 only if every step worked; a watchdog ends it with status 2 after
 * {@link #DEADLINE}, so the build can never hang.
 */
public final class WithAgent {

	static final Duration STEP = Duration.ofSeconds(45);
	static final Duration DEADLINE = Duration.ofSeconds(120);

	static volatile Process agent;

	public static void main(String[] args) {
		startWatchdog();
		boolean ok;
		try {
			ok = run(Path.of(args[0]));
		}
		catch (Throwable t) {
			System.out.println("[app] failed: " + t);
			t.printStackTrace(System.out);
			ok = false;
		}
		System.out.println("[app] " + (ok ? "PASSED" : "FAILED"));
		System.out.flush();
		Process a = agent;
		if (a != null && a.isAlive()) {
			a.destroyForcibly();
		}
		System.exit(ok ? 0 : 1);
	}

	static boolean run(Path home) throws Exception {
		Path dir = Path.of(System.getProperty("peercollab.agent.dir"));
		Process a = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
				"-classpath", System.getProperty("java.class.path"), "io.peercollab.agent.PeerCollabAgent",
				"--dir", dir.toString(), "--home", home.toString(), "--discovery", "none", "--in-memory-store",
				"--host", "127.0.0.1", "--classifier", "consumer")
				.redirectErrorStream(true).start();
		agent = a;
		CompletableFuture<String> listening = new CompletableFuture<>();
		Thread pump = new Thread(() -> {
			try (BufferedReader in = new BufferedReader(new InputStreamReader(a.getInputStream(),
					StandardCharsets.UTF_8))) {
				for (String line; (line = in.readLine()) != null; ) {
					System.out.println("  agent> " + line);
					if (line.startsWith("peercollab-agent listening in ")) {
						listening.complete(line);
					}
				}
			}
			catch (Exception e) {
				// the agent ended
			}
			listening.completeExceptionally(new IllegalStateException("the agent ended before it listened"));
		}, "agent-output");
		pump.setDaemon(true);
		pump.start();
		listening.get(STEP.toSeconds(), TimeUnit.SECONDS);

		PeerCollaboration first = PeerCollaboration.agent().block(STEP);
		PeerCollaboration second = PeerCollaboration.agent().block(STEP);
		System.out.println("[app] attached twice to " + first.name());
		if (!first.name().equals(second.name()) || second.signInScope() != PeerScope.NONE) {
			System.out.println("[app] expected one agent, not signed in; the second saw " + second.name() + " "
					+ second.signInScope());
			return false;
		}
		CompletableFuture<PeerScope> seen = second.signInChanges().filter(s -> s == PeerScope.INTERNET).next()
				.toFuture();
		first.signIn(PeerScope.INTERNET).block(STEP);
		System.out.println("[app] the second application sees the sign-in: "
				+ seen.get(STEP.toSeconds(), TimeUnit.SECONDS));
		second.close().block(STEP);

		PeerCollabAgent.stop(first).block(STEP);
		boolean ended = a.waitFor(STEP.toSeconds(), TimeUnit.SECONDS);
		boolean socketGone = !Files.exists(dir.resolve("agent.sock"));
		System.out.println("[app] the agent ended: " + ended + " (exit " + (ended ? a.exitValue() : -1)
				+ "), its socket removed: " + socketGone);
		return ended && a.exitValue() == 0 && socketGone;
	}

	static void startWatchdog() {
		Thread watchdog = new Thread(() -> {
			try {
				Thread.sleep(DEADLINE.toMillis());
			}
			catch (InterruptedException e) {
				return;
			}
			System.out.println("[app] FAILED: not finished after " + DEADLINE.toSeconds() + " s");
			System.out.flush();
			Process a = agent;
			if (a != null) {   // the agent is ended with this program, so that nothing outlives the build
				a.destroyForcibly();
			}
			Runtime.getRuntime().halt(2);
		}, "watchdog");
		watchdog.setDaemon(true);
		watchdog.start();
	}
}
