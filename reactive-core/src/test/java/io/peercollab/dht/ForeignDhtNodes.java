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
 * Mainline DHT nodes of another implementation, webtorrent's {@code bittorrent-dht} (npm 11.0.12, the one in
 * {@code src/test/node/package.json}), for tests that check {@link MainlineDht} against the DHT as it really is: one
 * Node.js process runs every node, each bound to its own TEST-NET-3 address (203.0.113.x/32, added to {@code lo}; the
 * mldht nodes of {@link DhtTestNetwork} take TEST-NET-2), seeded with each other and nothing else.
 *
 * <p>Needs what {@link DhtTestNetwork} needs (a loopback-only namespace where addresses can be added), plus
 * {@code node} on the path and {@code npm ci --prefix reactive-core/src/test/node} done ({@code .ci/run} does it
 * before it goes offline). Where something is missing, {@link #assumeAvailable()} skips the test with the reason;
 * with the environment variable {@code PEERCOLLAB_CI} set (as {@code .ci/run} sets it) it fails the test instead,
 * so that CI cannot pass by skipping the foreign network.
 */
final class ForeignDhtNodes implements AutoCloseable {

	private static final Duration COMMAND_WAIT = Duration.ofSeconds(20);

	private static final Path SCRIPT_DIR = Path.of("src", "test", "node");

	private static final AtomicInteger NEXT_HOST = new AtomicInteger(1);

	private static final HexFormat HEX = HexFormat.of();

	private final Process process;

	private final Writer commands;

	private final List<InetSocketAddress> addresses;

	private final List<InetAddress> added;


	private final Map<String, CompletableFuture<String>> pending = new ConcurrentHashMap<>();

	private final AtomicInteger nextId = new AtomicInteger();

	private ForeignDhtNodes(Process process, List<InetSocketAddress> addresses, List<InetAddress> added,
			BufferedReader replies) {
		this.process = process;
		this.commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.US_ASCII);
		this.addresses = addresses;
		this.added = new java.util.concurrent.CopyOnWriteArrayList<>(added);
		Thread reader = new Thread(() -> read(replies), "foreign-dht-replies");
		reader.setDaemon(true);
		reader.start();
	}

	/** Skips the calling test (fails it under {@code PEERCOLLAB_CI}) unless foreign nodes can run here. */
	static void assumeAvailable() {
		String reason = unavailableReason();
		if (reason == null) {
			return;
		}
		if (System.getenv("PEERCOLLAB_CI") != null) {
			Assertions.fail("PEERCOLLAB_CI is set, and the foreign DHT nodes cannot run: " + reason);
		}
		Assumptions.abort(reason);
	}

	/** @return why foreign nodes cannot run here, or {@code null} if they can */
	static String unavailableReason() {
		if (!DhtTestNetwork.available()) {
			return "no DHT test network here (a loopback-only network namespace where addresses can be added, as "
					+ "root): run `bash .ci/run`";
		}
		if (!Files.isDirectory(SCRIPT_DIR.resolve("node_modules").resolve("bittorrent-dht"))) {
			return "bittorrent-dht is not installed: run `npm ci --prefix reactive-core/src/test/node` (online), as "
					+ ".ci/run does";
		}
		try {
			Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
			if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
				return "`node --version` failed";
			}
		}
		catch (IOException e) {
			return "Node.js is not on the path (" + e.getMessage() + ")";
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			return "interrupted";
		}
		return null;
	}

	/**
	 * Starts {@code count} bittorrent-dht nodes, each seeded with every other.
	 *
	 * @param count how many nodes, at least 1
	 */
	static ForeignDhtNodes start(int count) {
		assumeAvailable();
		List<InetAddress> added = new ArrayList<>();
		Process process = null;
		try {
			List<String> command = new ArrayList<>(List.of("node", "bittorrent-dht-nodes.mjs"));
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
				throw new IllegalStateException("the bittorrent-dht nodes did not start: " + line);
			}
			List<InetSocketAddress> addresses = new ArrayList<>();
			for (String hostPort : line.substring("nodes ".length()).split(" ")) {
				int colon = hostPort.lastIndexOf(':');
				addresses.add(new InetSocketAddress(InetAddress.getByName(hostPort.substring(0, colon)),
						Integer.parseInt(hostPort.substring(colon + 1))));
			}
			return new ForeignDhtNodes(process, List.copyOf(addresses), added, replies);
		}
		catch (IOException | ExecutionException | TimeoutException | RuntimeException e) {
			stop(process, added);
			throw new IllegalStateException("could not start " + count + " bittorrent-dht nodes: " + e, e);
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
	 * Runs a BEP 44 get lookup from foreign node {@code node}, which checks the signature with Node's Ed25519.
	 *
	 * @return the item it found, or empty
	 */
	Optional<MutableItem> get(int node, byte[] publicKey) {
		String[] f = command("get " + node + " " + HEX.formatHex(target(publicKey))).split(" ");
		if (f[0].equals("none")) {
			return Optional.empty();
		}
		byte[] value = HEX.parseHex(f[2]);
		return Optional.of(new MutableItem(HEX.parseHex(f[0]), Long.parseLong(f[1]), MutableItem.bencodeBytes(value),
				HEX.parseHex(f[3])));
	}

	/**
	 * Publishes an item signed elsewhere from foreign node {@code node} (a foreign publisher of a record).
	 *
	 * @return how many nodes stored it
	 */
	int put(int node, MutableItem item) {
		String[] f = command("put " + node + " " + fields(item)).split(" ");
		return Integer.parseInt(f[1]);
	}

	/** Stores {@code item} in foreign node {@code node} without any check: a forged or stale record it holds. */
	void plant(int node, MutableItem item) {
		command("plant " + node + " " + fields(item));
	}

	/** @return the foreign nodes that hold an item of this key, by index, with the seq each holds */
	Map<Integer, Long> held(byte[] publicKey) {
		String reply = command("held " + HEX.formatHex(target(publicKey)));
		Map<Integer, Long> held = new LinkedHashMap<>();
		if (!reply.equals("none")) {
			for (String entry : reply.split(" ")) {
				int colon = entry.indexOf(':');
				held.put(Integer.parseInt(entry.substring(0, colon)), Long.parseLong(entry.substring(colon + 1)));
			}
		}
		return held;
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

	private static byte[] target(byte[] publicKey) {
		try {
			return java.security.MessageDigest.getInstance("SHA-1").digest(publicKey);
		}
		catch (java.security.NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
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
				throw new IllegalStateException("bittorrent-dht: " + line + ": " + answer.substring(6));
			}
			return answer.startsWith("ok ") ? answer.substring(3) : "";
		}
		catch (IOException | ExecutionException | TimeoutException e) {
			throw new IllegalStateException("bittorrent-dht: " + line + ": " + e, e);
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
				ip("del", address);
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
		ip("add", address);
		return address;
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
