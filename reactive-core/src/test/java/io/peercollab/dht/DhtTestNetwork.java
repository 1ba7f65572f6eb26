// SPDX-License-Identifier: Apache-2.0
package io.peercollab.dht;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import reactor.core.publisher.Flux;

/**
 * A private Mainline DHT for tests: N real mldht nodes, each bound to its own TEST-NET-2 address (198.51.100.x/32,
 * added to {@code lo}) and seeded with every other. mldht refuses loopback and private addresses, so this works only
 * inside a loopback-only network namespace where the test may add addresses (root): call {@link #assumeAvailable()}
 * first, which skips the test anywhere else. Nothing reaches a public router: the nodes and every {@link MainlineDht}
 * built on {@link #bootstrap()} know only each other.
 *
 * <pre>{@code
 * DhtTestNetwork.assumeAvailable();
 * try (DhtTestNetwork net = DhtTestNetwork.start(16)) {
 *     MainlineDht dht = MainlineDht.builder().bindAddress(net.newAddress()).bootstrapNodes(net.bootstrap()).build();
 * }
 * }</pre>
 */
public final class DhtTestNetwork implements AutoCloseable {


	private static final AtomicInteger NEXT_HOST = new AtomicInteger(1);

	private static volatile String unavailable;

	private static volatile boolean checked;

	private final List<MldhtNode> nodes;

	private final List<InetAddress> addresses = new CopyOnWriteArrayList<>();

	private DhtTestNetwork(List<MldhtNode> nodes) {
		this.nodes = nodes;
	}

	/**
	 * Skips the calling test (JUnit {@link Assumptions}) unless this JVM runs in a loopback-only network namespace
	 * and may add addresses to {@code lo}.
	 */
	public static void assumeAvailable() {
		Assumptions.assumeTrue(available(), DhtTestNetwork::unavailableReason);
	}

	/**
	 * @return whether a network can be started here. A test class starts its network in {@code @BeforeAll} only if
	 * so, and calls {@link #assumeAvailable()} in {@code @BeforeEach}: surefire reports each test as skipped, with
	 * the reason, where an assumption failed in {@code @BeforeAll} would only show zero tests run.
	 */
	public static boolean available() {
		return unavailableReason() == null;
	}

	private static synchronized String unavailableReason() {
		if (!checked) {
			checked = true;
			unavailable = check();
		}
		return unavailable;
	}

	private static String check() {
		String hint = ": run `bash .ci/run` or `unshare -n bash -c 'ip link set lo up && mvn ...'` as root";
		try {
			for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
				if (!nif.isLoopback()) {
					return "not inside a loopback-only network namespace (found interface " + nif.getName() + ")"
							+ hint;
				}
			}
			List<NetworkInterface> all = Collections.list(NetworkInterface.getNetworkInterfaces());
			if (all.isEmpty() || !all.get(0).isUp()) {
				return "the loopback interface is down" + hint;
			}
		}
		catch (SocketException e) {
			return "cannot list network interfaces (" + e.getMessage() + ")" + hint;
		}
		try {
			ip("del", addHost()); // proves the address can be added; the next one is taken for real use
			return null;
		}
		catch (IOException e) {
			return "cannot add addresses to lo (" + e.getMessage() + ")" + hint;
		}
	}

	/**
	 * Starts a network and waits (at most 10 s) until every node knows at least half of the others.
	 *
	 * @param nodes how many nodes, at least 2
	 */
	public static DhtTestNetwork start(int nodes) {
		if (nodes < 2) {
			throw new IllegalArgumentException("nodes must be at least 2, was " + nodes);
		}
		assumeAvailable();
		List<MldhtNode> started = new ArrayList<>();
		DhtTestNetwork network = new DhtTestNetwork(started);
		try {
			for (int i = 0; i < nodes; i++) {
				InetAddress address = network.newAddress();
				started.add(MldhtNode.start(address, 0, false).bound(Duration.ofSeconds(5)).block());
			}
			List<InetSocketAddress> all = network.bootstrap();
			for (MldhtNode node : started) {
				for (InetSocketAddress other : all) {
					if (!other.equals(node.localAddress())) {
						node.seed(other);
					}
				}
			}
			Flux.interval(Duration.ofMillis(20))
					.filter(tick -> started.stream().allMatch(n -> n.routingTableSize() >= (nodes - 1) / 2))
					.next()
					.block(Duration.ofSeconds(10));
			return network;
		}
		catch (IOException | RuntimeException e) {
			network.close();
			throw new IllegalStateException("could not start a DHT test network of " + nodes + " nodes: " + e, e);
		}
	}

	/** @return the address of every node, to seed a {@link MainlineDht} with */
	public List<InetSocketAddress> bootstrap() {
		return nodes.stream().map(MldhtNode::localAddress).toList();
	}

	/** @return the network's nodes, for tests that act below {@link MainlineDht} */
	public List<MldhtNode> nodes() {
		return List.copyOf(nodes);
	}

	/**
	 * @return a fresh 198.51.100.x address, added to {@code lo}, for a {@link MainlineDht} under test; removed by
	 * {@link #close()}
	 */
	public InetAddress newAddress() {
		try {
			InetAddress address = addHost();
			addresses.add(address);
			return address;
		}
		catch (IOException e) {
			throw new IllegalStateException("cannot add an address to lo: " + e.getMessage(), e);
		}
	}

	/** Stops every node and removes the addresses this network added. */
	@Override
	public void close() {
		Flux.fromIterable(nodes).flatMap(MldhtNode::stop).then().block(Duration.ofSeconds(10));
		for (InetAddress address : addresses) {
			try {
				ip("del", address);
			}
			catch (IOException e) {
				// the namespace goes away with the JVM anyway
			}
		}
	}

	private static InetAddress addHost() throws IOException {
		IOException last = null;
		for (int attempt = 0; attempt < 20; attempt++) {
			int host = NEXT_HOST.getAndIncrement();
			if (host > 254) {
				throw new IOException("no TEST-NET-2 address left in 198.51.100.0/24");
			}
			InetAddress address;
			try {
				address = InetAddress.getByAddress(new byte[] {(byte) 198, 51, 100, (byte) host});
			}
			catch (UnknownHostException e) {
				throw new IllegalStateException(e);
			}
			try {
				ip("add", address);
				return address;
			}
			catch (IOException e) {
				last = e; // taken by another JVM in the same namespace: try the next one
			}
		}
		throw last;
	}

	/** Runs {@code ip addr <verb> <address>/32 dev lo}; {@link ForeignDhtNodes} uses it too. */
	static void ip(String verb, InetAddress address) throws IOException {
		Process p = new ProcessBuilder("ip", "addr", verb, address.getHostAddress() + "/32", "dev", "lo")
				.redirectErrorStream(true)
				.start();
		try {
			if (!p.waitFor(5, TimeUnit.SECONDS)) {
				p.destroyForcibly();
				throw new IOException("`ip addr " + verb + "` did not finish within 5 s");
			}
			if (p.exitValue() != 0) {
				throw new IOException("`ip addr " + verb + " " + address.getHostAddress() + "/32 dev lo` failed: "
						+ new String(p.getInputStream().readAllBytes()).trim());
			}
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new IOException("interrupted", e);
		}
	}

	/**
	 * One network for a whole test class, where one can run: register it with
	 * {@code @RegisterExtension static final DhtTestNetwork.PerClass DHT = new DhtTestNetwork.PerClass(16);}. It
	 * starts the network before the class's first test if {@link #available()}, skips each test with the reason
	 * otherwise ({@link #assumeAvailable()}), and closes the network after the last test.
	 */
	public static final class PerClass implements BeforeAllCallback, BeforeEachCallback, AfterAllCallback {

		private final int nodes;

		private volatile DhtTestNetwork network;

		/** @param nodes how many nodes the network has */
		public PerClass(int nodes) {
			this.nodes = nodes;
		}

		/** @return the running network; only inside a test that was not skipped */
		public DhtTestNetwork network() {
			DhtTestNetwork n = network;
			if (n == null) {
				throw new IllegalStateException("no DHT test network runs here: " + unavailableReason());
			}
			return n;
		}

		@Override
		public void beforeAll(ExtensionContext context) {
			if (available()) {
				network = start(nodes);
			}
		}

		@Override
		public void beforeEach(ExtensionContext context) {
			assumeAvailable();
		}

		@Override
		public void afterAll(ExtensionContext context) {
			DhtTestNetwork n = network;
			network = null;
			if (n != null) {
				n.close();
			}
		}
	}
}
