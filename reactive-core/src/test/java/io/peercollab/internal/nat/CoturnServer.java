// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat;

import java.io.File;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import io.peercollab.dht.DhtTestNetwork;
import io.peercollab.internal.nat.StunClient.Retransmission;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * A real coturn ({@code turnserver}, Debian package {@code coturn}, 4.6.1 here) as a child process, listening on two
 * TEST-NET-3 addresses (203.0.113.x/32, added to {@code lo}) and two ports, so that it supports RFC 5780 behaviour
 * discovery (OTHER-ADDRESS, CHANGE-REQUEST). It runs with no configuration file ({@code -n}), no CLI, no TLS or DTLS,
 * a throwaway user database and pid file in a temporary directory, and logs to a file there.
 *
 * <p>Needs a loopback-only network namespace where addresses can be added (root; the same check as
 * {@link DhtTestNetwork}) and {@code turnserver} on the path ({@code .ci/run} installs {@code coturn} as root). Where
 * either is missing, {@link #assumeAvailable()} skips the test with the reason; with {@code PEERCOLLAB_CI} set it fails
 * instead, so that CI cannot pass by skipping.
 *
 * <p>Ports: coturn takes port numbers, not port 0, so free ones are found by binding port 0 (TCP and UDP) and closing
 * again. Another process could take a port between that and coturn's bind; coturn then fails to listen and
 * {@link #start} fails with its log, it does not hang. Inside CI's private namespace nothing else binds those addresses.
 *
 * <p>TURN: the long-term user {@link #USER} with password {@link #PASSWORD} in realm {@link #REALM}; TCP relays
 * (RFC 6062) are on, relayed from the primary address; more options (a shared secret, lifetimes) through
 * {@link #start(boolean, String...)}. Public for the transport's relay tests, which use it from the test-jar.
 *
 * <p>Addresses are taken from 203.0.113.254 downwards, far from the ones {@code ForeignDhtNodes} takes from .1
 * upwards, and a taken one is skipped.
 */
public final class CoturnServer implements AutoCloseable {

	/** The long-term credential user, its password and the realm. */
	public static final String USER = "peercollab";

	public static final String PASSWORD = "secret";

	public static final String REALM = "peercollab.test";

	private static final AtomicInteger NEXT_HOST = new AtomicInteger(254);

	private static final Duration READY_WAIT = Duration.ofSeconds(10);

	private volatile Process process;

	/** The command that started it, to start it again after {@link #pause()}. */
	private List<String> command = List.of();

	private final Path directory;

	private final List<InetAddress> added;

	private final InetSocketAddress primary;

	private final InetSocketAddress alternate;

	private CoturnServer(Process process, Path directory, List<InetAddress> added, InetSocketAddress primary,
			InetSocketAddress alternate) {
		this.process = process;
		this.directory = directory;
		this.added = added;
		this.primary = primary;
		this.alternate = alternate;
	}

	/** Skips the calling test (fails it under {@code PEERCOLLAB_CI}) unless coturn can run here. */
	public static void assumeAvailable() {
		skipOrFail("coturn cannot run", unavailableReason());
	}

	/**
	 * The rule of every NAT test's precondition: nothing if {@code reason} is {@code null}, else skips the calling test
	 * with the reason, or fails it under {@code PEERCOLLAB_CI}, so that CI cannot pass by skipping.
	 *
	 * @param cannot what cannot be done, for the failure's message, such as {@code "coturn cannot run"}
	 */
	static void skipOrFail(String cannot, String reason) {
		if (reason == null) {
			return;
		}
		if (System.getenv("PEERCOLLAB_CI") != null) {
			Assertions.fail("PEERCOLLAB_CI is set, and " + cannot + ": " + reason);
		}
		Assumptions.abort(reason);
	}

	/** @return why coturn cannot run here, or {@code null} if it can */
	static String unavailableReason() {
		if (!DhtTestNetwork.available()) {
			return "not inside a loopback-only network namespace where addresses can be added to lo (as root): run "
					+ "`bash .ci/run` or `unshare -n bash -c 'ip link set lo up && mvn ...'` as root";
		}
		if (turnserver() == null) {
			return "coturn is not installed (no turnserver on the PATH): `apt-get install coturn`, as .ci/run does "
					+ "as root";
		}
		return null;
	}

	private static Path turnserver() {
		String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
		return Stream.concat(Stream.of(path.split(File.pathSeparator)), Stream.of("/usr/bin", "/usr/sbin"))
				.filter(dir -> !dir.isEmpty())
				.map(dir -> Path.of(dir, "turnserver"))
				.filter(Files::isExecutable)
				.findFirst()
				.orElse(null);
	}

	/**
	 * Starts coturn and waits (at most 10 s) until it answers a binding request.
	 *
	 * @param rfc5780 whether it supports behaviour discovery ({@code false}: {@code --no-rfc5780})
	 */
	static CoturnServer start(boolean rfc5780) {
		return start(rfc5780, new String[0]);
	}

	/**
	 * Starts coturn with more command-line options (such as {@code --use-auth-secret --static-auth-secret=S},
	 * {@code --max-allocate-lifetime=N}, {@code --stale-nonce=N}) and waits until it answers.
	 */
	public static CoturnServer start(boolean rfc5780, String... options) {
		assumeAvailable();
		List<InetAddress> added = new ArrayList<>();
		Path directory = null;
		Process process = null;
		try {
			directory = Files.createTempDirectory("peercollab-coturn");
			InetAddress primaryIp = addHost();
			added.add(primaryIp);
			InetAddress alternateIp = addHost();
			added.add(alternateIp);
			int[] ports = freePorts(primaryIp, alternateIp);
			List<String> command = new ArrayList<>(List.of(turnserver().toString(), "-n", "--no-cli", "--no-tls",
					"--no-dtls", "-L", primaryIp.getHostAddress(), "-L", alternateIp.getHostAddress(),
					"--listening-port", Integer.toString(ports[0]),
					"--alt-listening-port", Integer.toString(ports[1]),
					"--relay-ip", primaryIp.getHostAddress(),
					"--lt-cred-mech", "--user", USER + ":" + PASSWORD, "--realm", REALM,
					"--userdb", directory.resolve("turn.db").toString(),
					"--pidfile", directory.resolve("turn.pid").toString(),
					"--log-file", "stdout", "--simple-log"));
			if (!rfc5780) {
				command.add("--no-rfc5780");
			}
			command.addAll(List.of(options));
			process = new ProcessBuilder(command)
					.redirectErrorStream(true)
					.redirectOutput(directory.resolve("turn.log").toFile())
					.start();
			CoturnServer server = new CoturnServer(process, directory, added,
					new InetSocketAddress(primaryIp, ports[0]), new InetSocketAddress(alternateIp, ports[1]));
			server.command = List.copyOf(command);
			server.awaitReady();
			return server;
		}
		catch (IOException | RuntimeException e) {
			String log = log(directory);
			stop(process, added, directory);
			throw new IllegalStateException("could not start coturn: " + e + "\n" + log, e);
		}
	}

	/** Waits until the primary address answers a binding request, from a throwaway client. */
	private void awaitReady() {
		Retransmission patient = new Retransmission(Duration.ofMillis(50), 8, 4);
		StunClient probe = StunClient.bind(new InetSocketAddress(primary.getAddress(), 0), patient)
				.block(READY_WAIT);
		try {
			probe.mappedAddress(primary)
					.onErrorMap(e -> process.isAlive() ? e
							: new IllegalStateException("coturn exited with " + process.exitValue(), e))
					.block(READY_WAIT);
		}
		finally {
			probe.close().block(READY_WAIT);
		}
	}

	/** @return two port numbers, each free for TCP and UDP on both addresses when looked at */
	private static int[] freePorts(InetAddress a, InetAddress b) throws IOException {
		int[] ports = new int[2];
		List<AutoCloseable> held = new ArrayList<>();
		try {
			for (int i = 0; i < 2; i++) {
				IOException last = null;
				for (int attempt = 0; attempt < 20 && ports[i] == 0; attempt++) {
					ServerSocket tcp = new ServerSocket(0, 1, a);
					held.add(tcp);
					int port = tcp.getLocalPort();
					try {
						held.add(new ServerSocket(port, 1, b));
						held.add(new DatagramSocket(new InetSocketAddress(a, port)));
						held.add(new DatagramSocket(new InetSocketAddress(b, port)));
						ports[i] = port;
					}
					catch (IOException e) {
						last = e; // taken for UDP or on the other address: the next try keeps this one held
					}
				}
				if (ports[i] == 0) {
					throw new IOException("no port free for TCP and UDP on both addresses", last);
				}
			}
			return ports;
		}
		finally {
			for (AutoCloseable c : held) {
				try {
					c.close();
				}
				catch (Exception e) {
					// closing a probe socket
				}
			}
		}
	}

	/** @return the primary address and port: where clients send binding requests */
	public InetSocketAddress primary() {
		return primary;
	}

	/**
	 * @return an address of this server's host where nothing listens (TCP refused, UDP unanswered): a STUN server that
	 *     does not answer, to put before this one in a list of servers
	 */
	public InetSocketAddress closedPort() {
		try (ServerSocket s = new ServerSocket(0, 1, primary.getAddress())) {
			return new InetSocketAddress(primary.getAddress(), s.getLocalPort());
		}
		catch (IOException e) {
			throw new IllegalStateException("cannot find a closed port on " + primary.getAddress() + ": "
					+ e.getMessage(), e);
		}
	}

	/** @return the other address and port, as OTHER-ADDRESS announces it */
	InetSocketAddress alternate() {
		return alternate;
	}

	/** @return a fresh TEST-NET-3 address on {@code lo} for a client, removed by {@link #close()} */
	public InetAddress newClientAddress() {
		try {
			InetAddress address = addHost();
			added.add(address);
			return address;
		}
		catch (IOException e) {
			throw new IllegalStateException("cannot add an address to lo: " + e.getMessage(), e);
		}
	}

	/**
	 * Stops coturn's process (SIGTERM, then SIGKILL after 5 s), keeping its addresses, ports, database and log, as a
	 * TURN server that is down: {@link #resume()} starts it again at the same addresses and ports.
	 */
	public void pause() {
		stop(process, List.of(), null);
	}

	/** Starts coturn again after {@link #pause()}, as it was started, and waits until it answers. */
	public void resume() {
		try {
			process = new ProcessBuilder(command)
					.redirectErrorStream(true)
					.redirectOutput(ProcessBuilder.Redirect.appendTo(directory.resolve("turn.log").toFile()))
					.start();
		}
		catch (IOException e) {
			throw new IllegalStateException("could not start coturn again: " + e, e);
		}
		awaitReady();
	}

	/** @return what coturn logged so far */
	public String log() {
		return log(directory);
	}

	/** Stops coturn (SIGTERM, then SIGKILL after 5 s), removes the addresses and the temporary directory. */
	@Override
	public void close() {
		stop(process, added, directory);
	}

	private static String log(Path directory) {
		if (directory == null) {
			return "";
		}
		try {
			return Files.readString(directory.resolve("turn.log"), StandardCharsets.UTF_8);
		}
		catch (IOException e) {
			return "(no log: " + e.getMessage() + ")";
		}
	}

	private static void stop(Process process, List<InetAddress> added, Path directory) {
		if (process != null) {
			process.destroy();
			try {
				if (!process.waitFor(5, TimeUnit.SECONDS)) {
					process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
				}
			}
			catch (InterruptedException e) {
				process.destroyForcibly();
				Thread.currentThread().interrupt();
			}
		}
		for (InetAddress address : added) {
			try {
				ip("del", address);
			}
			catch (IOException e) {
				// the namespace goes away with the JVM anyway
			}
		}
		if (directory != null) {
			try (Stream<Path> files = Files.walk(directory)) {
				files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
			}
			catch (IOException e) {
				// a temporary directory
			}
		}
	}

	private static InetAddress addHost() throws IOException {
		IOException last = null;
		for (int attempt = 0; attempt < 20; attempt++) {
			int host = NEXT_HOST.getAndDecrement();
			if (host < 128) {
				throw new IOException("no TEST-NET-3 address left in 203.0.113.128/25");
			}
			InetAddress address;
			try {
				address = InetAddress.getByAddress(new byte[] {(byte) 203, 0, 113, (byte) host});
			}
			catch (UnknownHostException e) {
				throw new IllegalStateException(e);
			}
			try {
				ip("add", address);
				return address;
			}
			catch (IOException e) {
				last = e; // taken by another test in this namespace: try the next one
			}
		}
		throw last;
	}

	private static void ip(String verb, InetAddress address) throws IOException {
		Process p = new ProcessBuilder("ip", "addr", verb, address.getHostAddress() + "/32", "dev", "lo")
				.redirectErrorStream(true).start();
		try {
			if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
				throw new IOException("ip addr " + verb + " " + address.getHostAddress() + " failed: "
						+ new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
			}
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new IOException(e);
		}
	}
}
