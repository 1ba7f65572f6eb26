// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.peercollab.IpLiterals;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Port mapping through a real miniupnpd ({@link MiniupnpdGateway}) on a {@link NatLab} router: a host maps its
 * listening port by PCP, NAT-PMP or UPnP-IGD, the test JVM (the Internet side) connects to the mapped address through
 * the NAT, the mapping is renewed at half its lifetime (the gateway's lease moves on), and closing deletes it (the
 * lease and the DNAT rule are gone, and the port refuses).
 */
@Tag("slow")
class NatLabPortMappingTest {

	/** Short, so that a renewal comes within seconds (miniupnpd is told to grant PCP lifetimes that short). */
	private static final Duration LIFETIME = Duration.ofSeconds(4);

	private static final Duration WAIT = Duration.ofSeconds(60);

	private static CoturnServer coturn;

	@RegisterExtension
	static final CoturnForClass COTURN = CoturnForClass.withMiniupnpd(true, s -> coturn = s);

	@ParameterizedTest
	@ValueSource(strings = {"PCP", "NAT-PMP", "UPnP-IGD"})
	void aHostBehindTheGatewayMapsAPortThatTheInternetReachesRenewsItAndDeletesItOnClose(String protocol)
			throws Exception {
		try (NatLab lab = NatLab.build(NatLab.Nat.MASQUERADE);
				MiniupnpdGateway gateway = MiniupnpdGateway.start(lab, coturn, Duration.ofSeconds(1));
				Child host = Child.start(lab, PortMappingProbe.class, protocol, lab.routerLanAddress(),
						Long.toString(LIFETIME.toSeconds()))) {
			String[] mapped = host.await("MAPPED ", gateway).split(" ");
			InetSocketAddress external = IpLiterals.parseSocketAddress(mapped[1]);
			System.out.println("Port mapping by " + protocol + ": " + mapped[1] + " for " + mapped[2] + " s in "
					+ mapped[3] + " ms");
			assertThat(external.getAddress().getHostAddress()).isEqualTo(lab.routerWanAddress());
			assertThat(Long.parseLong(mapped[2])).isEqualTo(LIFETIME.toSeconds());
			String lease = gateway.lease(external.getPort());
			assertThat(lease).as("miniupnpd's leases: %s", gateway.leases()).isNotNull()
					.contains(":" + lab.hostAddress() + ":");
			assertThat(gateway.natRules()).contains("dport " + external.getPort());

			// the Internet side (this JVM's namespace) connects to the mapped address, through the NAT
			try (Socket s = new Socket()) {
				s.connect(external, 5000);
				s.setSoTimeout(5000);
				OutputStream out = s.getOutputStream();
				out.write("ping\n".getBytes(StandardCharsets.UTF_8));
				out.flush();
				String answer = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))
						.readLine();
				assertThat(answer).isEqualTo("pong ping");
			}
			assertThat(host.await("ACCEPTED ", gateway)).startsWith("ACCEPTED 10.200.");

			String renewed = host.await("RENEWED ", gateway);
			assertThat(renewed).isEqualTo("RENEWED " + mapped[1] + " " + LIFETIME.toSeconds());
			long firstExpiry = expiry(lease);
			long renewedExpiry = expiry(gateway.lease(external.getPort()));
			assertThat(renewedExpiry).as("the lease's expiry after a renewal at half the lifetime")
					.isGreaterThan(firstExpiry);

			host.send("close");
			assertThat(host.await("CLOSED ", gateway)).isEqualTo("CLOSED -");
			assertThat(gateway.lease(external.getPort())).as("leases after close: %s\nhost:\n%s\nminiupnpd:\n%s",
					gateway.leases(), host.output(), gateway.log()).isNull();
			assertThat(gateway.natRules()).doesNotContain("dport " + external.getPort());
			assertThatThrownBy(() -> {
				try (Socket s = new Socket()) {
					s.connect(external, 5000);
				}
			}).isInstanceOf(ConnectException.class);
		}
	}

	/**
	 * The host's address changes under a running {@link io.peercollab.internal.resolution.PortMappedEndPoint} (a new
	 * DHCP lease: 10.1.N.2 goes, 10.1.N.3 comes): the interface watch notices, the mapping is deleted and asked for
	 * again from the new address, miniupnpd's lease now forwards to the new address, and the endpoint the engine
	 * publishes is the new mapping's, which the Internet side reaches.
	 */
	@org.junit.jupiter.api.Test
	void aChangeOfTheHostsAddressRecreatesTheMappingAndPublishesItsAddress() throws Exception {
		try (NatLab lab = NatLab.build(NatLab.Nat.MASQUERADE);
				MiniupnpdGateway gateway = MiniupnpdGateway.start(lab, coturn, Duration.ofSeconds(1));
				Child host = Child.start(lab, PortRemapProbe.class, "PCP", lab.routerLanAddress(), "60")) {
			String published = host.await("PUBLISHED ", gateway).substring("PUBLISHED ".length());
			InetSocketAddress before = IpLiterals.parseSocketAddress(published);
			assertThat(gateway.lease(before.getPort())).as("miniupnpd's leases").contains(":" + lab.hostAddress() + ":");
			assertThat(ping(before, "before")).isEqualTo("pong before");
			long oldExpiry = expiry(gateway.lease(before.getPort()));

			long moving = System.nanoTime();
			String moved = lab.moveHostAddress();
			String state = host.await("STATE " + lab.routerWanAddress(), gateway, " 1");
			double remapMs = (System.nanoTime() - moving) / 1e6;
			InetSocketAddress after = IpLiterals.parseSocketAddress(state.split(" ")[1]);
			System.out.printf("Host address %s -> %s: mapping %s re-created as %s in %.0f ms%n", lab.hostAddress(),
					moved, published, IpLiterals.toString(after), remapMs);
			System.out.println("host:\n" + host.output());
			String lease = gateway.lease(after.getPort());
			assertThat(lease).as("miniupnpd's leases: %s\nhost:\n%s", gateway.leases(), host.output()).isNotNull()
					.contains(":" + moved + ":");
			// the old mapping is deleted if the gateway takes a deletion from the new address; miniupnpd's PCP does not
			// (the mapping is not that client's), and then it is no longer renewed and lapses at the end of its lifetime
			String old = gateway.lease(before.getPort());
			if (old != null && old.contains(":" + lab.hostAddress() + ":")) {
				assertThat(expiry(old)).as("the old lease is not renewed").isEqualTo(oldExpiry);
				System.out.println("the old lease stays until it lapses: " + old);
			}
			if (!after.equals(before)) {
				assertThat(host.output()).contains("PUBLISHED " + IpLiterals.toString(after));
			}
			assertThat(ping(after, "after")).as("through the re-created mapping, to the host's new address").isEqualTo("pong after");
		}
	}

	/** @return the answer of the host's listener at {@code external}, reached through the NAT from the Internet side */
	private static String ping(InetSocketAddress external, String word) throws IOException {
		try (Socket s = new Socket()) {
			s.connect(external, 5000);
			s.setSoTimeout(5000);
			OutputStream out = s.getOutputStream();
			out.write((word + "\n").getBytes(StandardCharsets.UTF_8));
			out.flush();
			return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
		}
	}

	private static long expiry(String lease) {
		String[] f = lease.split(":");
		return Long.parseLong(f[4]);
	}

	/** A child JVM in the lab's host namespace, its output lines queued as they come. */
	private static final class Child implements AutoCloseable {

		private final Process process;

		private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

		private final List<String> seen = new ArrayList<>();

		private Child(Process process) {
			this.process = process;
			Thread reader = new Thread(() -> {
				try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
						StandardCharsets.UTF_8))) {
					for (String line; (line = in.readLine()) != null; ) {
						lines.add(line);
					}
				}
				catch (IOException e) {
					// the child ended
				}
				lines.add("EXITED");
			}, "port-mapping-probe");
			reader.setDaemon(true);
			reader.start();
		}

		static Child start(NatLab lab, Class<?> main, String... args) throws IOException {
			List<String> command = new ArrayList<>(List.of("nsenter", "-t", Long.toString(lab.hostPid()), "-n",
					Path.of(System.getProperty("java.home"), "bin", "java").toString(),
					"-cp", System.getProperty("java.class.path"),
					"-Dorg.slf4j.simpleLogger.log.io.peercollab.internal.nat.mapping=debug", main.getName()));
			command.addAll(List.of(args));
			return new Child(new ProcessBuilder(command).redirectErrorStream(true).start());
		}

		/** @return the next line starting with {@code prefix}; fails with all output (and the gateway's log) */
		String await(String prefix, MiniupnpdGateway gateway) throws InterruptedException {
			return await(prefix, gateway, "");
		}

		/** @return the next line starting with {@code prefix} and ending with {@code suffix} */
		String await(String prefix, MiniupnpdGateway gateway, String suffix) throws InterruptedException {
			long deadline = System.nanoTime() + WAIT.toNanos();
			while (true) {
				String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
				if (line == null || line.equals("EXITED")) {
					throw new AssertionError("no line starting with '" + prefix + "' and ending with '" + suffix
							+ "' from the host"
							+ (line == null ? " within " + WAIT : "; it exited") + ":\n" + String.join("\n", seen)
							+ "\nminiupnpd:\n" + gateway.log());
				}
				seen.add(line);
				if (line.startsWith(prefix) && line.endsWith(suffix)) {
					return line;
				}
			}
		}

		/** @return what the child printed so far that was awaited or passed over */
		String output() {
			return String.join("\n", seen);
		}

		void send(String command) throws IOException {
			process.getOutputStream().write((command + "\n").getBytes(StandardCharsets.UTF_8));
			process.getOutputStream().flush();
		}

		@Override
		public void close() {
			process.destroyForcibly();
			try {
				process.waitFor(5, TimeUnit.SECONDS);
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
		}
	}
}
