// SPDX-License-Identifier: Apache-2.0
package io.peercollab.dht;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

import io.peercollab.IpLiterals;
import lbms.plugins.mldht.DHTConfiguration;
import lbms.plugins.mldht.kad.DHT;
import lbms.plugins.mldht.kad.DHT.DHTtype;
import lbms.plugins.mldht.kad.GenericStorage.StorageItem;
import lbms.plugins.mldht.kad.KBucketEntry;
import lbms.plugins.mldht.kad.Key;
import lbms.plugins.mldht.kad.RPCServer;
import lbms.plugins.mldht.kad.messages.MessageBase;
import lbms.plugins.mldht.kad.messages.PutRequest;
import lbms.plugins.mldht.kad.tasks.GetLookupTask;
import lbms.plugins.mldht.kad.tasks.PutTask;
import lbms.plugins.mldht.kad.tasks.Task;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * One mldht node ({@link DHT}) with the few operations PeerCollab needs: seed it, get a BEP 44 mutable item, put one.
 * Router bootstrap is always off: the caller seeds the node with {@link #seed}. Not thread-confined; mldht calls
 * back on its own threads and every callback only hands values to Reactor.
 */
final class MldhtNode {

	private static final Logger LOG = LoggerFactory.getLogger(MldhtNode.class);

	/** How often the adapter looks at a running lookup's progress. */
	private static final Duration POLL = Duration.ofMillis(10);

	private static final AtomicInteger THREADS = new AtomicInteger();

	private final DHT dht;

	private final ScheduledExecutorService scheduler;

	private final int port;

	private final Set<PutTracker> puts = ConcurrentHashMap.newKeySet();

	private final InetAddress bindAddress;

	private MldhtNode(DHT dht, ScheduledExecutorService scheduler, int port, InetAddress bindAddress) {
		this.dht = dht;
		this.scheduler = scheduler;
		this.port = port;
		this.bindAddress = bindAddress;
	}

	/**
	 * Starts a node. Blocking: mldht looks up its router host names here, even though it never uses them, so call it
	 * on a blocking-friendly thread; then wait for {@link #bound(Duration)}.
	 *
	 * @param bindAddress the address to bind, or {@code null} to let mldht choose (its default route's address)
	 * @param port the UDP port, or 0 for a free one (mldht reports its configured port, not the bound one, so a port
	 * the OS hands out is taken and released for mldht)
	 * @param ownScheduler whether the node gets its own scheduler threads (released by {@link #stop()}) instead of
	 * mldht's JVM-wide shared scheduler
	 * @throws SocketException if mldht cannot start
	 */
	public static MldhtNode start(InetAddress bindAddress, int port, boolean ownScheduler) throws SocketException {
		if (port < 0 || port > 65535) {
			throw new IllegalArgumentException("port must be between 0 and 65535, was " + port);
		}
		int chosen = port != 0 ? port : freePort(bindAddress);
		MldhtLogging.install();
		DHT dht = new DHT(bindAddress instanceof Inet6Address ? DHTtype.IPV6_DHT : DHTtype.IPV4_DHT);
		ScheduledExecutorService scheduler = null;
		if (ownScheduler) {
			ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(2, r -> {
				Thread t = new Thread(r, "peercollab-dht-" + THREADS.incrementAndGet());
				t.setDaemon(true);
				return t;
			});
			executor.setRemoveOnCancelPolicy(true);
			dht.setScheduler(executor);
			scheduler = executor;
		}
		MldhtNode node = new MldhtNode(dht, scheduler, chosen, bindAddress);
		dht.addIncomingMessageListener((d, message) -> node.received(message));
		try {
			dht.start(new Config(bindAddress, chosen));
			return node;
		}
		catch (SocketException | RuntimeException e) {
			node.stopNow();
			throw e;
		}
	}

	private static int freePort(InetAddress bindAddress) throws SocketException {
		try (java.net.DatagramSocket socket = new java.net.DatagramSocket(new InetSocketAddress(bindAddress, 0))) {
			return socket.getLocalPort();
		}
	}

	/**
	 * @return this node once its socket is bound (mldht binds it on its own thread), checked every 2 ms; fails with
	 * {@link SocketException} if it is not within {@code timeout}
	 */
	public Mono<MldhtNode> bound(Duration timeout) {
		return Flux.interval(Duration.ofMillis(2))
				.filter(tick -> server() != null)
				.next()
				.timeout(timeout, Mono.error(() -> new SocketException("mldht bound no socket at "
						+ (bindAddress == null ? "its default address:" + port
								: IpLiterals.toString(new InetSocketAddress(bindAddress, port)))
						+ " within " + timeout)))
				.thenReturn(this)
				.doOnError(e -> stopNow());
	}

	/** @return the bound UDP address */
	public InetSocketAddress localAddress() {
		RPCServer server = server();
		InetAddress address = server == null ? null : server.getPublicAddress();
		if (address == null && server != null) {
			address = server.getBindAddress();
		}
		return new InetSocketAddress(address, port);
	}

	/** @return how many nodes the routing table holds */
	public int routingTableSize() {
		return dht.getNode().getNumEntriesInRoutingTable();
	}

	/**
	 * Pings a node so that it enters the routing table when it answers. Resolves an unresolved address here
	 * (blocking).
	 */
	public void seed(InetSocketAddress address) {
		dht.addDHTNode(address.getHostString(), address.getPort());
	}

	/** Starts mldht's own table refresh (a lookup of its own id), once seeds answered. */
	public void bootstrap() {
		dht.bootstrap();
	}

	/**
	 * Looks up the mutable item stored under {@code publicKey} (no salt).
	 *
	 * @return every item the lookup finds whose sequence number beats the ones before (mldht has checked its
	 * signature), emitted on mldht's threads; completes when the lookup ends, or once it has no candidate left to ask
	 * and only stalled requests outstanding (mldht would wait for those for up to ~10 s); cancelling stops the lookup
	 */
	public Flux<MutableItem> get(byte[] publicKey) {
		return Flux.create(sink -> {
			RPCServer server = server();
			if (server == null) {
				sink.complete();
				return;
			}
			GetLookupTask task = new GetLookupTask(target(publicKey), server, dht.getNode());
			task.setValueConsumer(item -> {
				MutableItem m = toItem(item);
				if (m != null) {
					sink.next(m);
				}
			});
			// mldht notifies listeners while iterating their list: killing the task from inside that callback (the
			// sink's dispose runs on complete) would modify the list under the iteration
			java.util.concurrent.atomic.AtomicBoolean ended = new java.util.concurrent.atomic.AtomicBoolean();
			task.addListener(t -> {
				ended.set(true);
				sink.complete();
			});
			int[] idlePolls = {0};
			Disposable settled = Flux.interval(POLL).subscribe(tick -> {
				boolean idle = task.getSentReqs() > 0 && task.getTodoCount() == 0
						&& task.getNumOutstandingRequestsExcludingStalled() == 0;
				idlePolls[0] = idle ? idlePolls[0] + 1 : 0;
				if (idlePolls[0] >= 3) {
					sink.complete();
				}
			});
			sink.onDispose(() -> {
				settled.dispose();
				if (!ended.get() && !task.isFinished()) {
					task.kill();
				}
			});
			run(task);
		});
	}

	/**
	 * Collects write tokens from the nodes closest to {@code publicKey}'s target, for a later {@link #put}. mldht's
	 * lookup may wait ~10 s for one lost request; this does not: it completes when the lookup ends, or as soon as it
	 * has tokens and only stalled requests are outstanding, or when no new token came for {@code quiet}.
	 *
	 * @return the tokens and the highest sequence number seen stored there; empty if no node gave a token within
	 * {@code timeout}
	 */
	public Mono<Tokens> tokens(byte[] publicKey, Duration quiet, Duration timeout) {
		return Mono.defer(() -> {
			RPCServer server = server();
			if (server == null) {
				return Mono.empty();
			}
			GetLookupTask task = new GetLookupTask(target(publicKey), server, dht.getNode());
			AtomicLong highest = new AtomicLong(-1);
			task.setValueConsumer(item -> highest.accumulateAndGet(item.getSequenceNumber(), Math::max));
			run(task);
			long started = System.nanoTime();
			int[] lastCount = {0};
			long[] lastChange = {started};
			int[] idlePolls = {0};
			return Flux.interval(POLL)
					.filter(tick -> {
						long now = System.nanoTime();
						int count = task.getTokens().size();
						if (count != lastCount[0]) {
							lastCount[0] = count;
							lastChange[0] = now;
						}
						idlePolls[0] = task.getNumOutstandingRequestsExcludingStalled() == 0 ? idlePolls[0] + 1 : 0;
						return task.isFinished() || count > 0
								&& (idlePolls[0] >= 3 || now - lastChange[0] >= quiet.toNanos());
					})
					.next()
					.timeout(timeout, Mono.empty())
					.flatMap(tick -> {
						if (task.getTokens().isEmpty()) {
							LOG.debug("Token lookup ended without a token: {} sent, {} answered, {} failed, {} nodes in "
									+ "the table", task.getSentReqs(), task.getRecvResponses(), task.getFailedReqs(),
									routingTableSize());
							return Mono.<Tokens>empty();
						}
						return Mono.just(new Tokens(new HashMap<>(task.getTokens()), highest.get()));
					})
					.doFinally(signal -> {
						if (!task.isFinished()) {
							task.kill();
						}
					});
		});
	}

	/**
	 * Stores a signed item at the nodes that gave {@code tokens}.
	 *
	 * @param wanted complete once this many nodes acknowledged (the put goes on in the background to the others)
	 * @param grace complete when no further acknowledgement came this long after the last one
	 * @return how many nodes acknowledged the put: completes at {@code wanted} acknowledgements, {@code grace} after
	 * the last acknowledgement, when every node answered or timed out, or at {@code timeout}, whichever is first
	 */
	public Mono<Integer> put(Tokens tokens, MutableItem item, int wanted, Duration grace, Duration timeout) {
		return Mono.create(sink -> {
			RPCServer server = server();
			if (server == null) {
				sink.success(0);
				return;
			}
			PutRequest request = new PutRequest();
			request.setPubkey(item.publicKey());
			request.setSequenceNumber(item.seq());
			request.setSignature(item.signature());
			request.setValue(ByteBuffer.wrap(item.value()));
			PutTask task = new PutTask(server, dht.getNode(), tokens.tokens(), new StorageItem(request));
			AtomicInteger acks = new AtomicInteger();
			Disposable.Swap graceTimer = Disposables.swap();
			PutTracker tracker = new PutTracker(item.publicKey(), item.seq(), () -> {
				if (acks.incrementAndGet() >= wanted) {
					sink.success(acks.get());
				}
				else {
					// one lost request keeps mldht's task open for ~10 s: do not wait for it once a node has the item
					graceTimer.update(Schedulers.parallel().schedule(() -> sink.success(acks.get()),
							grace.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS));
				}
			});
			puts.add(tracker);
			task.addListener(t -> sink.success(acks.get()));
			Disposable timer = Schedulers.parallel().schedule(() -> sink.success(acks.get()),
					timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
			sink.onDispose(() -> {
				puts.remove(tracker);
				timer.dispose();
				graceTimer.dispose();
			});
			run(task);
		});
	}

	/**
	 * Stops the node: closes its socket, stops its selector thread and, if it has its own, its scheduler.
	 *
	 * @return completes once the UDP port can be bound again (checked every 5 ms), or after 2 s at most
	 */
	public Mono<Void> stop() {
		InetSocketAddress bound = server() == null ? null : localAddress();
		stopNow();
		if (bound == null) {
			return Mono.empty();
		}
		return Flux.interval(Duration.ofMillis(5))
				.filter(tick -> released(bound))
				.next()
				.timeout(Duration.ofSeconds(2), Mono.fromRunnable(
						() -> LOG.debug("mldht still holds {} 2 s after it stopped", bound)))
				.then();
	}

	private void stopNow() {
		try {
			try {
				dht.stop();
			}
			catch (RuntimeException e) {
				// mldht can trip over its own listener lists while it kills the tasks still running; the socket and
				// threads are released below regardless
				LOG.debug("mldht failed while stopping: {}", e.toString());
			}
			// the JDK closes a channel registered with a selector only when that selector runs again
			if (dht.getConnectionManager() != null) {
				dht.getConnectionManager().getSelector().wakeup();
			}
		}
		finally {
			if (scheduler != null) {
				scheduler.shutdownNow();
			}
		}
	}

	private static boolean released(InetSocketAddress bound) {
		try (java.net.DatagramSocket probe = new java.net.DatagramSocket(bound)) {
			return true;
		}
		catch (SocketException e) {
			return false;
		}
	}

	/**
	 * Starts a task at once and registers it as running. Queued through mldht's {@code TaskManager} instead, it would
	 * wait behind the node's own maintenance tasks (at most 7 run per server; a node that has just bootstrapped has
	 * several), which held lookups and puts back for seconds on the test network.
	 */
	private void run(Task task) {
		task.start();
		dht.getTaskManager().addTask(task);
	}

	private RPCServer server() {
		return dht.getServerManager() == null ? null
				: dht.getServerManager().getAllServers().stream()
						.filter(s -> s.getState() == RPCServer.State.RUNNING)
						.findFirst()
						.orElse(null);
	}

	private void received(MessageBase message) {
		if (message.getType() != MessageBase.Type.RSP_MSG || message.getMethod() != MessageBase.Method.PUT
				|| puts.isEmpty()) {
			return;
		}
		if (message.getAssociatedCall() != null
				&& message.getAssociatedCall().getRequest() instanceof PutRequest request) {
			for (PutTracker tracker : puts) {
				if (tracker.seq == request.getSequenceNumber() && Arrays.equals(tracker.key, request.getPubkey())) {
					tracker.onAck.run();
				}
			}
		}
		else {
			LOG.debug("PUT response without its request from {}", message.getOrigin());
		}
	}

	private static Key target(byte[] publicKey) {
		try {
			return new Key(MessageDigest.getInstance("SHA-1").digest(publicKey));
		}
		catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	}

	private static MutableItem toItem(StorageItem item) {
		if (!item.mutable() || item.pubKey().isEmpty() || item.sig().isEmpty()) {
			return null;
		}
		return new MutableItem(bytes(item.pubKey().get()), item.seq(), bytes(item.getRawValue()),
				bytes(item.sig().get()));
	}

	private static byte[] bytes(ByteBuffer buffer) {
		ByteBuffer b = buffer.duplicate();
		byte[] out = new byte[b.remaining()];
		b.get(out);
		return out;
	}

	/**
	 * Write tokens from a lookup.
	 *
	 * @param tokens each answering node and its token
	 * @param highestSeq the highest sequence number stored at those nodes, or -1
	 */
	public record Tokens(Map<KBucketEntry, byte[]> tokens, long highestSeq) {
	}

	private record PutTracker(byte[] key, long seq, Runnable onAck) {
	}

	private static final class Config implements DHTConfiguration {

		private final InetAddress bindAddress;

		private final int port;

		// never created: mldht then neither loads nor saves a routing table
		private final Path storage = Path.of(System.getProperty("java.io.tmpdir"),
				"peercollab-dht-no-storage-" + UUID.randomUUID());

		Config(InetAddress bindAddress, int port) {
			this.bindAddress = bindAddress;
			this.port = port;
		}

		@Override
		public boolean isPersistingID() {
			return false;
		}

		@Override
		public Path getStoragePath() {
			return storage;
		}

		@Override
		public int getListeningPort() {
			return port;
		}

		@Override
		public boolean noRouterBootstrap() {
			return true;
		}

		@Override
		public boolean allowMultiHoming() {
			return false;
		}

		@Override
		public Predicate<InetAddress> filterBindAddress() {
			return bindAddress == null ? DHTConfiguration.super.filterBindAddress() : bindAddress::equals;
		}
	}
}
