// SPDX-License-Identifier: Apache-2.0
package io.peercollab.dht;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Mainline DHT nodes of other implementations, for tests that check {@link MainlineDht} against the DHT as it really
 * is: webtorrent's {@code bittorrent-dht} (npm 11.0.12, pinned by {@code src/test/dht-nodes/package-lock.json}) and
 * libtorrent-rasterbar (Debian's {@code python3-libtorrent} 2.0.8). One child process runs every node of one
 * implementation, each bound to its own TEST-NET-3 address (203.0.113.x/32, added to {@code lo}; the mldht nodes of
 * {@link DhtTestNetwork} take TEST-NET-2), seeded with each other and nothing else: no router, no DNS.
 *
 * <p>Needs what {@link DhtTestNetwork} needs (a loopback-only namespace where addresses can be added, as root), plus,
 * for {@code bittorrent-dht}, {@code node} on the path and {@code npm ci --prefix reactive-core/src/test/dht-nodes}
 * done, and for libtorrent, {@code /usr/bin/python3} with the {@code libtorrent} module ({@code .ci/run} installs both
 * while it is online). Where something is missing, {@link #assumeAvailable(Implementation)} skips the test with the
 * reason; with the environment variable {@code PEERCOLLAB_CI} set (as {@code .ci/run} sets it) it fails the test
 * instead, so that CI cannot pass by skipping the foreign networks.
 */
final class ForeignDhtNodes implements AutoCloseable {

	private static final Duration COMMAND_WAIT = Duration.ofSeconds(20);

	private static final Path SCRIPT_DIR = Path.of("src", "test", "dht-nodes");

	/** The implementations a test network can be made of, besides the mldht nodes of {@link DhtTestNetwork}. */
	enum Implementation {
		/** webtorrent's {@code bittorrent-dht}: omits {@code nodes} from a get reply that carries a value. */
		BITTORRENT_DHT("node", "bittorrent-dht-nodes.mjs"),
		/** libtorrent-rasterbar, the engine of most desktop BitTorrent clients. */
		LIBTORRENT("/usr/bin/python3", "libtorrent-dht-nodes.py");

		private final String interpreter;

		private final String script;

		Implementation(String interpreter, String script) {
			this.interpreter = interpreter;
			this.script = script;
		}
	}

	private static final AtomicInteger NEXT_HOST = new AtomicInteger(1);

	private static final HexFormat HEX = HexFormat.of();

	private final Implementation implementation;

	private final Process process;

	private final Writer commands;

	private final List<InetSocketAddress> addresses;

	private final List<InetAddress> added;


	private final Map<String, CompletableFuture<String>> pending = new ConcurrentHashMap<>();

	private final AtomicInteger nextId = new AtomicInteger();

	private ForeignDhtNodes(Implementation implementation, Process process, List<InetSocketAddress> addresses,
			List<InetAddress> added, BufferedReader replies) {
		this.implementation = implementation;
		this.process = process;
		this.commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.US_ASCII);
		this.addresses = addresses;
		this.added = new java.util.concurrent.CopyOnWriteArrayList<>(added);
		Thread reader = new Thread(() -> read(replies), "foreign-dht-replies");
		reader.setDaemon(true);
		reader.start();
	}

	/** Skips the calling test (fails it under {@code PEERCOLLAB_CI}) unless these foreign nodes can run here. */
	static void assumeAvailable(Implementation implementation) {
		String reason = unavailableReason(implementation);
		if (reason == null) {
			return;
		}
		if (System.getenv("PEERCOLLAB_CI") != null) {
			Assertions.fail("PEERCOLLAB_CI is set, and the " + implementation + " nodes cannot run: " + reason);
		}
		Assumptions.abort(reason);
	}

	/** @return why these foreign nodes cannot run here, or {@code null} if they can */
	static String unavailableReason(Implementation implementation) {
		if (!DhtTestNetwork.available()) {
			return "no DHT test network here (a loopback-only network namespace where addresses can be added, as "
					+ "root): run `bash .ci/run`";
		}
		if (implementation == Implementation.BITTORRENT_DHT) {
			if (!Files.isDirectory(SCRIPT_DIR.resolve("node_modules").resolve("bittorrent-dht"))) {
				return "bittorrent-dht is not installed: run `npm ci --prefix reactive-core/src/test/dht-nodes` "
						+ "(online), as .ci/run does";
			}
			return succeeds("Node.js (`node --version`)", "node", "--version");
		}
		return succeeds("libtorrent's Python bindings (`apt-get install python3-libtorrent`, as .ci/run does as root)",
				"/usr/bin/python3", "-c", "import libtorrent");
	}

	private static String succeeds(String what, String... command) {
		try {
			Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
			if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
				return what + " is not available: `" + String.join(" ", command) + "` failed";
			}
			return null;
		}
		catch (IOException e) {
			return what + " is not available (" + e.getMessage() + ")";
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			return "interrupted";
		}
	}

	/**
	 * Starts {@code count} nodes of {@code implementation}, each seeded with every other.
	 *
	 * @param count how many nodes, at least 1
	 */
	static ForeignDhtNodes start(Implementation implementation, int count) {
		assumeAvailable(implementation);
		List<InetAddress> added = new ArrayList<>();
		Process process = null;
		try {
			List<String> command = new ArrayList<>(List.of(implementation.interpreter, implementation.script));
			for (int i = 0; i < count; i++) {
				InetAddress address = addHost();
				added.add(address);
				command.add(address.getHostAddress());
			}
			process = new ProcessBuilder(command).directory(SCRIPT_DIR.toFile())
					.redirectError(ProcessBuilder.Redirect.INHERIT).start();
			BufferedReader replies = new BufferedReader(
					new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
			CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> {
				try {
					return replies.readLine();
				}
				catch (IOException e) {
					throw new IllegalStateException(e);
				}
			});
			String line = first.get(COMMAND_WAIT.toMillis(), TimeUnit.MILLISECONDS);
			if (line == null || !line.startsWith("nodes ")) {
				throw new IllegalStateException("the " + implementation + " nodes did not start: " + line);
			}
			List<InetSocketAddress> addresses = new ArrayList<>();
			for (String hostPort : line.substring("nodes ".length()).split(" ")) {
				int colon = hostPort.lastIndexOf(':');
				addresses.add(new InetSocketAddress(InetAddress.getByName(hostPort.substring(0, colon)),
						Integer.parseInt(hostPort.substring(colon + 1))));
			}
			return new ForeignDhtNodes(implementation, process, List.copyOf(addresses), added, replies);
		}
		catch (IOException | ExecutionException | TimeoutException | RuntimeException e) {
			stop(process, added);
			throw new IllegalStateException("could not start " + count + " " + implementation + " nodes: " + e, e);
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			stop(process, added);
			throw new IllegalStateException(e);
		}
	}

	/** @return every node's address, to seed a {@link MainlineDht} (or other nodes) with */
	List<InetSocketAddress> bootstrap() {
		return addresses;
	}

	/**
	 * @return a fresh 203.0.113.x address, added to {@code lo}, for a {@link MainlineDht} under test; removed by
	 * {@link #close()}
	 */
	InetAddress newAddress() {
		try {
			InetAddress address = addHost();
			added.add(address);
			return address;
		}
		catch (IOException e) {
			throw new IllegalStateException("cannot add an address to lo: " + e.getMessage(), e);
		}
	}

	/** Adds {@code node} to the table of every foreign node. */
	void seed(InetSocketAddress node) {
		command("seed " + node.getAddress().getHostAddress() + " " + node.getPort());
	}

	/**
	 * Runs a BEP 44 get lookup from foreign node {@code node}, which checks the signature itself.
	 *
	 * @return the item it found, or empty
	 */
	Optional<MutableItem> get(int node, byte[] publicKey) {
		String[] f = command("get " + node + " " + HEX.formatHex(publicKey)).split(" ");
		if (f[0].equals("none")) {
			return Optional.empty();
		}
		// the value as signed: bencoded
		return Optional.of(new MutableItem(HEX.parseHex(f[0]), Long.parseLong(f[1]), HEX.parseHex(f[2]),
				HEX.parseHex(f[3])));
	}

	/**
	 * Publishes an item signed elsewhere from foreign node {@code node} (a foreign publisher of a record).
	 *
	 * @return how many nodes stored it
	 */
	int put(int node, MutableItem item) {
		only(Implementation.BITTORRENT_DHT, "put");
		String[] f = command("put " + node + " " + fields(item)).split(" ");
		return Integer.parseInt(f[1]);
	}

	/** Stores {@code item} in foreign node {@code node} without any check: a forged or stale record it holds. */
	void plant(int node, MutableItem item) {
		only(Implementation.BITTORRENT_DHT, "plant");
		command("plant " + node + " " + fields(item));
	}

	/**
	 * Makes foreign node {@code node} answer every query {@code delay} late (zero: on time again), as a node on a slow
	 * link or a busy machine does.
	 */
	void delay(int node, Duration delay) {
		only(Implementation.BITTORRENT_DHT, "delay");
		command("delay " + node + " " + delay.toMillis());
	}

	/** @return the foreign nodes that hold an item of this key, by index, with the seq each holds */
	Map<Integer, Long> held(byte[] publicKey) {
		only(Implementation.BITTORRENT_DHT, "held");
		String reply = command("held " + HEX.formatHex(publicKey));
		Map<Integer, Long> held = new LinkedHashMap<>();
		if (!reply.equals("none")) {
			for (String entry : reply.split(" ")) {
				int colon = entry.indexOf(':');
				held.put(Integer.parseInt(entry.substring(0, colon)), Long.parseLong(entry.substring(colon + 1)));
			}
		}
		return held;
	}

	/**
	 * @return how many mutable items each libtorrent node stores, by index (libtorrent's {@code dht.dht_mutable_data}
	 * counter; it has no call that lists them)
	 */
	Map<Integer, Long> stored() {
		only(Implementation.LIBTORRENT, "stored");
		Map<Integer, Long> stored = new LinkedHashMap<>();
		for (String entry : command("stored").split(" ")) {
			int colon = entry.indexOf(':');
			stored.put(Integer.parseInt(entry.substring(0, colon)), Long.parseLong(entry.substring(colon + 1)));
		}
		return stored;
	}

	private void only(Implementation which, String what) {
		if (implementation != which) {
			throw new UnsupportedOperationException(what + " is offered by " + which + " nodes only, not "
					+ implementation);
		}
	}

	/** Stops the process and removes the addresses it used. */
	@Override
	public void close() {
		stop(process, added);
	}

	private static String fields(MutableItem item) {
		return HEX.formatHex(item.publicKey()) + " " + item.seq() + " " + HEX.formatHex(item.valueBytes()) + " "
				+ HEX.formatHex(item.signature());
	}

	private String command(String line) {
		String id = Integer.toString(nextId.incrementAndGet());
		CompletableFuture<String> reply = new CompletableFuture<>();
		pending.put(id, reply);
		try {
			synchronized (commands) {
				commands.write(id + " " + line + "\n");
				commands.flush();
			}
			String answer = reply.get(COMMAND_WAIT.toMillis(), TimeUnit.MILLISECONDS);
			if (answer.startsWith("error ")) {
				throw new IllegalStateException(implementation + ": " + line + ": " + answer.substring(6));
			}
			return answer.startsWith("ok ") ? answer.substring(3) : "";
		}
		catch (IOException | ExecutionException | TimeoutException e) {
			throw new IllegalStateException(implementation + ": " + line + ": " + e, e);
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(e);
		}
		finally {
			pending.remove(id);
		}
	}

	private void read(BufferedReader replies) {
		try {
			for (String line; (line = replies.readLine()) != null;) {
				int space = line.indexOf(' ');
				CompletableFuture<String> reply = space < 0 ? null : pending.get(line.substring(0, space));
				if (reply != null) {
					reply.complete(line.substring(space + 1));
				}
			}
		}
		catch (IOException e) {
			// the process ended: every command still waiting times out
		}
	}

	private static void stop(Process process, List<InetAddress> added) {
		if (process != null) {
			process.destroy();
			try {
				if (!process.waitFor(5, TimeUnit.SECONDS)) {
					process.destroyForcibly();
				}
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				process.destroyForcibly();
			}
		}
		for (InetAddress address : added) {
			try {
				DhtTestNetwork.ip("del", address);
			}
			catch (IOException e) {
				// the namespace goes away with the JVM anyway
			}
		}
	}

	private static InetAddress addHost() throws IOException {
		int host = NEXT_HOST.getAndIncrement();
		if (host > 254) {
			throw new IOException("no TEST-NET-3 address left in 203.0.113.0/24");
		}
		InetAddress address;
		try {
			address = InetAddress.getByAddress(new byte[] {(byte) 203, 0, 113, (byte) host});
		}
		catch (UnknownHostException e) {
			throw new IllegalStateException(e);
		}
		DhtTestNetwork.ip("add", address);
		return address;
	}
}
