// SPDX-License-Identifier: Apache-2.0
package io.peercollab.agent;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Optional;

import io.peercollab.CollaborationSession;
import io.peercollab.LaunchInfo;
import io.peercollab.PeerCollaboration;

/**
 * The program the agent launches in {@link AgentLaunchTest}; its registered arguments are the agent directory, the
 * loopback port of the test's control socket and the file to write what the process was started with. First it writes
 * its whole command line and environment (on Linux as the kernel holds them, {@code /proc/self/cmdline}
 * and {@code /proc/self/environ}) to that file, then connects to the test and says {@code STARTED}; it attaches only when
 * the test answers {@code ATTACH}, and reports its launch information over the socket ({@code LAUNCH none}, or one
 * {@code key=value} line each, then {@code END}).
 */
public final class LaunchProbeMain {

	private static final Duration WAIT = Duration.ofSeconds(30);

	private LaunchProbeMain() {
	}

	public static void main(String[] args) throws Exception {
		Path dir = Path.of(args[0]);
		int port = Integer.parseInt(args[1]);
		Path startedWith = Path.of(args[2]);
		String text = "cmdline:\n" + commandLine() + "environ:\n" + environment();
		Path tmp = startedWith.resolveSibling(startedWith.getFileName() + ".tmp");
		Files.writeString(tmp, text);
		Files.move(tmp, startedWith, StandardCopyOption.ATOMIC_MOVE);

		try (Socket control = new Socket(InetAddress.getLoopbackAddress(), port)) {
			control.setSoTimeout((int) Duration.ofSeconds(120).toMillis());
			BufferedReader in = new BufferedReader(new InputStreamReader(control.getInputStream(),
					StandardCharsets.UTF_8));
			PrintWriter out = new PrintWriter(new OutputStreamWriter(control.getOutputStream(),
					StandardCharsets.UTF_8), true);
			out.println("STARTED " + ProcessHandle.current().pid());
			if (!"ATTACH".equals(in.readLine())) {
				System.exit(2);
			}
			PeerCollaboration collab = PeerCollabAgent.attach(AgentSettings.defaults().directory(dir)).block(WAIT);
			Optional<LaunchInfo> launch = collab.launchInfo();
			if (launch.isEmpty()) {
				out.println("LAUNCH none");
			}
			else {
				LaunchInfo info = launch.get();
				CollaborationSession session = info.session().block(WAIT);
				out.println("LAUNCH present");
				out.println("inviter=" + info.inviter());
				out.println("inviterNickname=" + info.inviterNickname());
				out.println("message=" + info.message());
				out.println("data=" + new String(info.data(), StandardCharsets.UTF_8));
				out.println("application=" + info.application().id());
				out.println("session=" + session.id());
				out.println("END");
			}
			// the test answers once it has read everything; the session goes with this program
			in.readLine();
			collab.close().block(WAIT);
		}
		System.exit(0);
	}

	/** @return the whole command line, the JVM's options too, a line each */
	private static String commandLine() throws Exception {
		Path proc = Path.of("/proc/self/cmdline");
		if (Files.isReadable(proc)) {
			return nulSeparated(proc);
		}
		ProcessHandle.Info info = ProcessHandle.current().info();
		return info.command().orElse("") + "\n" + String.join("\n", info.arguments().orElse(new String[0])) + "\n";
	}

	/** @return the environment the process was started with, a {@code NAME=value} line each */
	private static String environment() throws Exception {
		Path proc = Path.of("/proc/self/environ");
		if (Files.isReadable(proc)) {
			return nulSeparated(proc);
		}
		StringBuilder text = new StringBuilder();
		System.getenv().forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
		return text.toString();
	}

	private static String nulSeparated(Path file) throws Exception {
		StringBuilder text = new StringBuilder();
		for (String part : new String(Files.readAllBytes(file), StandardCharsets.UTF_8).split("\0")) {
			text.append(part).append('\n');
		}
		return text.toString();
	}
}
