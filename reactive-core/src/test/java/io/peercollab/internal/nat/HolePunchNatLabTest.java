// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.peercollab.IpLiterals;
import io.peercollab.internal.nat.NatLab.Nat;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * TCP hole punching ({@link TcpHolePunch}) between two hosts, each behind its own real NAT router ({@link NatLab}, with
 * routers that drop unsolicited connection attempts, as home routers do), each learning its TCP mapping from a real
 * coturn: every pair of NAT kinds, and whether a direct connection comes of it. Where either side picks a new port per
 * destination (symmetric), punching cannot work and must fail by its deadline with a clear error, not hang.
 *
 * <p>Where one end is reachable (no NAT, or a full cone), the other end's SYN is accepted by the reachable end's
 * listening socket, from whatever port its NAT picked; between two NATs that keep one port per local port, the two
 * SYNs cross and the simultaneous open completes.
 *
 * <p>Each host is a child JVM in its own namespace; the test passes each one the other's mapped address, standing in
 * for the connection the two ends already share in use (a relayed one).
 */
@Tag("slow")
class HolePunchNatLabTest {

	private static final long DEADLINE_MILLIS = 5_000;

	private static CoturnServer coturn;

	@RegisterExtension
	static final CoturnForClass COTURN = CoturnForClass.withNatLab(false, s -> coturn = s);

	@ParameterizedTest(name = "{0} and {1}: {2}")
	@CsvSource({
			"NONE, NONE, direct",
			"NONE, MASQUERADE, direct",
			"NONE, MASQUERADE_RANDOM, direct",
			"MASQUERADE, MASQUERADE, direct",
			"FULL_CONE, MASQUERADE, direct",
			"FULL_CONE, FULL_CONE, direct",
			"FULL_CONE, MASQUERADE_RANDOM, direct",
			"MASQUERADE, MASQUERADE_RANDOM, fails",
			"MASQUERADE_RANDOM, MASQUERADE_RANDOM, fails"})
	void punches(Nat alice, Nat bob, String expected) throws Exception {
		try (NatLab a = NatLab.build(alice, true); NatLab b = NatLab.build(bob, true)) {
			Process pa = a.startJavaOnHost(HolePunchProbe.class, IpLiterals.toString(coturn.primary()));
			Process pb = b.startJavaOnHost(HolePunchProbe.class, IpLiterals.toString(coturn.primary()));
			try {
				Probe probeA = new Probe(pa);
				Probe probeB = new Probe(pb);
				String mappedA = probeA.mapped();
				String mappedB = probeB.mapped();
				// Bob starts a moment after Alice, as a coordinated start over a real network would
				probeA.punch(mappedB, 0);
				probeB.punch(mappedA, 150);
				String resultA = probeA.result();
				String resultB = probeB.result();
				System.out.printf("hole punching %s (%s) <-> %s (%s): %s | %s%n", alice, mappedA, bob, mappedB,
						resultA, resultB);
				if (expected.equals("direct")) {
					assertThat(resultA).startsWith("RESULT OK").endsWith("hello from " + mappedB);
					assertThat(resultB).startsWith("RESULT OK").endsWith("hello from " + mappedA);
				}
				else {
					assertThat(resultA).startsWith("RESULT FAIL").contains("TCP hole punching", "attempts");
					assertThat(resultB).startsWith("RESULT FAIL").contains("TCP hole punching", "attempts");
				}
			}
			finally {
				pa.destroyForcibly();
				pb.destroyForcibly();
			}
		}
	}

	/** One child JVM's conversation: its lines are read on a thread of their own, with a timeout per answer. */
	private static final class Probe {

		private final Process process;

		private final BufferedReader out;

		private final Writer in;

		private final StringBuilder transcript = new StringBuilder();

		Probe(Process process) {
			this.process = process;
			this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
			this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
		}

		String mapped() throws Exception {
			return line("MAPPED ", 30).substring("MAPPED ".length());
		}

		void punch(String remote, long delayMillis) throws IOException {
			in.write("PUNCH " + remote + " " + delayMillis + " " + DEADLINE_MILLIS + "\n");
			in.flush();
		}

		String result() throws Exception {
			return line("RESULT ", DEADLINE_MILLIS / 1000 + 30);
		}

		private String line(String prefix, long seconds) throws Exception {
			CompletableFuture<String> next = CompletableFuture.supplyAsync(() -> {
				try {
					for (String l = out.readLine(); l != null; l = out.readLine()) {
						transcript.append(l).append('\n');
						if (l.startsWith(prefix)) {
							return l;
						}
					}
					throw new IllegalStateException("the host exited without a " + prefix + "line:\n" + transcript);
				}
				catch (IOException e) {
					throw new IllegalStateException(e);
				}
			});
			try {
				return next.get(seconds, TimeUnit.SECONDS);
			}
			catch (java.util.concurrent.TimeoutException e) {
				throw new AssertionError("no " + prefix + "line from the host within " + seconds + " s:\n"
						+ transcript + (process.isAlive() ? "" : "(exited with " + process.exitValue() + ")"));
			}
		}
	}
}
