// SPDX-License-Identifier: Apache-2.0
package io.peercollab.discovery;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.jmdns.JmDNS;
import javax.jmdns.ServiceEvent;
import javax.jmdns.ServiceInfo;
import javax.jmdns.ServiceListener;
import javax.jmdns.impl.JmDNSImpl;
import javax.jmdns.impl.ServiceInfoImpl;

import io.peercollab.Diagnostic;
import io.peercollab.MessageText;
import io.peercollab.NotSignedInException;
import io.peercollab.PeerCollabException;
import io.peercollab.PeerEndPoint;
import io.peercollab.identity.PeerName;
import io.peercollab.spi.Announcement;
import io.peercollab.spi.DiscoveryEvent;
import io.peercollab.spi.DiscoverySession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.Exceptions;
import reactor.core.publisher.BufferOverflowStrategy;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * A running {@link MdnsDiscovery}: on each of its host's jmDNS instances (one per chosen address) a service instance
 * announcing this endpoint and a listener browsing for others, merged into one view of the peers near me. Closing
 * withdraws both; the jmDNS instances stay open for the host's next session (unless the session owns its host).
 *
 * <p>Threads. jmDNS calls its listener on one thread per instance; the listener never blocks it: resolution requests
 * go to {@link Schedulers#boundedElastic()} and every state change is queued to one serialized task queue that drains
 * on {@code boundedElastic}. That queue owns the peer table and the subscribers, so that a subscriber's snapshot and
 * the live changes after it come from the same sequence, without gap or duplicate. Blocking jmDNS calls (close,
 * unregister) run on {@code boundedElastic} too.
 */
final class MdnsSession implements DiscoverySession {

	private static final Logger log = LoggerFactory.getLogger(MdnsDiscovery.class);

	/** How long a resolution request holds its thread; a persistent request still reports what arrives later. */
	static final long RESOLVE_WAIT_MILLIS = 2_000;

	/**
	 * How long an instance may stay resolved with an empty TXT record before it is reported: jmDNS reports a service
	 * resolved with an empty TXT record, then with the real one a few milliseconds later.
	 */
	static final Duration EMPTY_TEXT_GRACE = Duration.ofSeconds(3);

	/**
	 * How often expired records are swept out of jmDNS's caches. jmDNS's own reaper runs every 10 s, so a goodbye
	 * (which only makes a record expire one second later) would take 4-12 s to become a removal.
	 */
	static final Duration SWEEP_INTERVAL = Duration.ofMillis(500);

	/** How long a re-announcement may take to be announced before the old instance is withdrawn anyway. */
	static final long ANNOUNCE_WAIT_MILLIS = 6_000;

	/** Diagnostics a slow subscriber may fall behind by before the oldest are dropped. */
	static final int DIAGNOSTICS_BUFFER = 256;

	/** One chosen address, to bind a jmDNS instance to. */
	static final class Binding {

		final InetAddress address;
		final NetworkInterface networkInterface;
		final String interfaceName;
		final String label;

		/**
		 * @param address the local address to bind jmDNS to
		 * @param networkInterface its interface, or {@code null} if unknown
		 */
		Binding(InetAddress address, NetworkInterface networkInterface) {
			this.address = Objects.requireNonNull(address, "address");
			this.networkInterface = networkInterface;
			this.interfaceName = networkInterface != null ? networkInterface.getName() : address.getHostAddress();
			this.label = interfaceName + " (" + address.getHostAddress() + ")";
		}
	}

	/** What this session has on one of the host's jmDNS instances. */
	static final class Slot {

		final JmDNS instance;
		final NetworkInterface networkInterface;
		final String interfaceName;
		final String label;

		// Written under the monitor of this slot; volatile for the sweep and resolution tasks that only read it.
		volatile JmDNS jmdns;
		ServiceInfo registered;
		Announcement announced;
		ServiceListener listener;
		boolean opened;

		Slot(MdnsHost.Instance instance) {
			this.instance = instance.jmdns;
			this.networkInterface = instance.binding.networkInterface;
			this.interfaceName = instance.binding.interfaceName;
			this.label = instance.binding.label;
		}
	}

	private final String serviceType;
	private final List<Slot> bindings;
	/** The host to close with this session, or {@code null} if the host outlives it. */
	private final MdnsHost ownHost;
	private volatile Announcement self;

	// The serialized task queue; everything below it is touched only by its tasks.
	private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
	private final AtomicInteger pendingTasks = new AtomicInteger();
	private final PeerTable table;
	private final List<Sinks.Many<DiscoveryEvent>> peerSinks = new ArrayList<>();
	private final List<Sinks.Many<Diagnostic>> diagnosticSinks = new ArrayList<>();
	private final Set<String> awaitingText = new HashSet<>();
	private final Map<String, String> reported = new HashMap<>();
	private boolean streamsClosed;

	private volatile boolean closing;
	private volatile Disposable sweeper = Disposables.disposed();
	private final AtomicBoolean closeStarted = new AtomicBoolean();
	private final Sinks.Empty<Void> closed = Sinks.empty();

	/**
	 * @param instances the host's jmDNS instances to announce and browse on
	 * @param ownHost the host to close when this session closes, or {@code null}
	 */
	MdnsSession(String serviceType, Announcement self, List<MdnsHost.Instance> instances, MdnsHost ownHost) {
		this.serviceType = serviceType;
		this.self = self;
		List<Slot> slots = new ArrayList<>(instances.size());
		for (MdnsHost.Instance i : instances) {
			slots.add(new Slot(i));
		}
		this.bindings = List.copyOf(slots);
		this.ownHost = ownHost;
		this.table = new PeerTable(self.name());
	}

	/**
	 * Registers the announcement and a listener on every instance in parallel, then starts sweeping.
	 *
	 * @param tolerant whether to go on without an instance that fails, as long as one opens
	 */
	Mono<Void> open(boolean tolerant) {
		return Flux.fromIterable(bindings)
				.flatMap(b -> Mono.fromCallable(() -> openBinding(b))
						.subscribeOn(Schedulers.boundedElastic())
						.onErrorResume(e -> tolerant, e -> {
							log.warn("mDNS discovery could not open {}; going on without it", b.label, e);
							return Mono.empty();
						}))
				.count()
				.flatMap(opened -> opened > 0 ? Mono.<Void>empty()
						: Mono.error(new PeerCollabException("mDNS discovery could not open any of " + labels())))
				.then(Mono.fromRunnable(this::startSweeper));
	}

	private Slot openBinding(Slot b) throws IOException {
		synchronized (b) {
			if (closing) {
				return b;
			}
			JmDNS jmdns = b.instance;
			Announcement announcement = self;
			ServiceInfo info = serviceInfo(announcement);
			// Recorded first: a failure half-way is undone by close(), as a success is.
			b.jmdns = jmdns;
			b.registered = info;
			b.announced = announcement;
			jmdns.registerService(info);
			ServiceListener listener = new Listener(b);
			b.listener = listener;
			jmdns.addServiceListener(serviceType, listener);
			b.opened = true;
			log.debug("mDNS discovery announces {} as '{}' on {}", announcement.name(), info.getName(), b.label);
			return b;
		}
	}

	private ServiceInfo serviceInfo(Announcement announcement) {
		return ServiceInfo.create(serviceType, AnnouncementCodec.instanceName(announcement, randomTag()),
				announcement.port(), 0, 0, AnnouncementCodec.encode(announcement));
	}

	private static String randomTag() {
		return MdnsHost.randomTag();
	}

	private void startSweeper() {
		Disposable d = Schedulers.boundedElastic().schedulePeriodically(this::sweep, SWEEP_INTERVAL.toMillis(),
				SWEEP_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
		sweeper = d;
		if (closing) {
			d.dispose();
		}
	}

	private void sweep() {
		for (Slot b : bindings) {
			JmDNS jmdns = b.jmdns;
			if (closing) {
				return;
			}
			// cleanCache() is what jmDNS's reaper runs; it is public on the implementation class, and jmDNS itself
			// calls it from caller threads (every requestServiceInfo does), so running it more often is safe.
			if (jmdns instanceof JmDNSImpl impl) {
				try {
					impl.cleanCache();
				}
				catch (Throwable t) {
					Exceptions.throwIfJvmFatal(t);
					log.debug("mDNS discovery could not sweep the cache of {}", b.label, t);
				}
			}
		}
	}

	/**
	 * {@inheritDoc}
	 *
	 * <p>Emits on a {@code boundedElastic} thread shared by this session's streams: a subscriber that blocks delays
	 * the others, so hand heavy work off with {@code publishOn}. Each subscriber has its own unbounded buffer.
	 * Completes, without {@code REMOVED} events, when the session closes; a subscriber that comes after that gets an
	 * empty, completed stream.
	 */
	@Override
	public Flux<DiscoveryEvent> peers() {
		return Flux.defer(() -> {
			Sinks.Many<DiscoveryEvent> sink = Sinks.many().unicast().onBackpressureBuffer();
			submit(() -> {
				if (streamsClosed) {
					sink.tryEmitComplete();
					return;
				}
				for (DiscoveryEvent event : table.snapshot()) {
					if (!emit(sink, event)) {
						return;
					}
				}
				peerSinks.add(sink);
			});
			return sink.asFlux().doOnCancel(() -> submit(() -> peerSinks.remove(sink)));
		});
	}

	/**
	 * {@inheritDoc}
	 *
	 * <p>Hot: only what is noticed after subscribing. Each report is also logged at {@code WARN}. A subscriber that
	 * falls {@value #DIAGNOSTICS_BUFFER} reports behind loses the oldest. Completes when the session closes.
	 */
	@Override
	public Flux<Diagnostic> diagnostics() {
		return Flux.defer(() -> {
			Sinks.Many<Diagnostic> sink = Sinks.many().unicast().onBackpressureBuffer();
			submit(() -> {
				if (streamsClosed) {
					sink.tryEmitComplete();
				}
				else {
					diagnosticSinks.add(sink);
				}
			});
			return sink.asFlux()
					.doOnCancel(() -> submit(() -> diagnosticSinks.remove(sink)))
					.onBackpressureBuffer(DIAGNOSTICS_BUFFER,
							dropped -> log.debug("mDNS discovery dropped a diagnostic for a slow subscriber: {}", dropped),
							BufferOverflowStrategy.DROP_OLDEST);
		});
	}

	/**
	 * {@inheritDoc}
	 *
	 * <p>Registers a new service instance, under a new instance name, with the new TXT record on every interface, and
	 * withdraws the old one once the new one is announced. Neighbours see {@code UPDATED} about 0.55 s later
	 * ({@code MdnsTimingTest}) and no gap. Completes once the old instance is withdrawn too (announcing, then the
	 * goodbyes, 250 ms apart). Concurrent updates settle on the last one.
	 *
	 * @throws io.peercollab.PayloadTooLargeException if the nickname is longer than 63 characters or 252 bytes of
	 * UTF-8
	 * @throws NullPointerException if the nickname is {@code null}
	 * @return completes when re-announced; fails with {@link NotSignedInException} if the session is closed
	 */
	@Override
	public Mono<Void> updateNickname(String nickname) {
		Objects.requireNonNull(nickname, "nickname");
		return reannounce(self.withNickname(nickname));
	}

	/**
	 * Re-announces this endpoint with another endpoint name, as {@link #updateNickname} does with a nickname.
	 *
	 * @return completes when re-announced; fails with {@link NotSignedInException} if the session is closed
	 */
	@Override
	public Mono<Void> updateEndPointName(String endPointName) {
		Objects.requireNonNull(endPointName, "endPointName");
		return reannounce(self.withEndPointName(endPointName));
	}

	private Mono<Void> reannounce(Announcement next) {
		AnnouncementCodec.encode(next);
		return Mono.defer(() -> {
			if (closing) {
				return Mono.error(closedError());
			}
			self = next;
			return Flux.fromIterable(bindings)
					.flatMap(b -> Mono.fromRunnable(() -> reannounce(b)).subscribeOn(Schedulers.boundedElastic()))
					.then();
		}).onErrorMap(e -> !(e instanceof PeerCollabException),
				e -> closing ? closedError() : new PeerCollabException("mDNS discovery could not re-announce "
						+ next.name() + ": " + e.getMessage(), e));
	}

	/*
	 * Why a new instance instead of setText() or unregister-then-register of the same name: jmDNS 3.6.1 silently drops
	 * a TXT change made while the service is still being announced (its first 2-4 s), and a neighbour's jmDNS only
	 * reports a TXT change to a listener that asked for the service persistently. Re-registering the same name is no
	 * better: a neighbour that still holds the old instance (removal takes seconds) ignores the new serviceAdded as a
	 * duplicate. A new instance name is new to every neighbour, whatever its jmDNS or timing, and registering it
	 * before withdrawing the old one keeps the peer listed throughout: neighbours merge instances by PeerName and take
	 * the nickname of the instance that changed last.
	 */
	private void reannounce(Slot b) {
		synchronized (b) {
			if (!b.opened) {
				return;
			}
			JmDNS jmdns = b.jmdns;
			if (jmdns == null || closing) {
				throw closedError();
			}
			// Read under the lock: whichever update runs last announces the latest nickname.
			Announcement want = self;
			if (want.equals(b.announced)) {
				return;
			}
			ServiceInfo next = serviceInfo(want);
			try {
				jmdns.registerService(next);
			}
			catch (IOException e) {
				throw new UncheckedIOException(e);
			}
			ServiceInfo old = b.registered;
			b.registered = next;
			b.announced = want;
			if (old != null) {
				// Neighbours drop a withdrawn instance 1-2 s after its goodbye and see a new one about 0.6 s after
				// it is registered: withdrawing at once would show the peer as gone, then back.
				if (next instanceof ServiceInfoImpl impl) {
					impl.waitForAnnounced(ANNOUNCE_WAIT_MILLIS);
				}
				jmdns.unregisterService(old);
			}
			log.debug("mDNS discovery re-announced {} as '{}' on {}", want.name(), next.getName(), b.label);
		}
	}

	/**
	 * {@inheritDoc}
	 *
	 * <p>Completes {@link #peers()} and {@link #diagnostics()} at once, then, on every jmDNS instance in parallel on
	 * {@code boundedElastic}, removes the listener and withdraws the announcement with goodbyes (about 0.5 s, see
	 * {@link QuickStarter}); the instances stay open for the host's next session. A session started by
	 * {@link MdnsDiscovery#start} closes its instances instead, and their threads end right after. Every call returns
	 * the same completion; failures to close are logged, never signalled.
	 */
	@Override
	public Mono<Void> close() {
		return Mono.defer(() -> {
			if (closeStarted.compareAndSet(false, true)) {
				shutdown().subscribe(null, e -> {
					log.warn("mDNS discovery did not close cleanly", e);
					closed.tryEmitEmpty();
				}, closed::tryEmitEmpty);
			}
			return closed.asMono();
		});
	}

	private Mono<Void> shutdown() {
		closing = true;
		sweeper.dispose();
		Mono<Void> streams = Mono.create(done -> submit(() -> {
			streamsClosed = true;
			peerSinks.forEach(Sinks.Many::tryEmitComplete);
			peerSinks.clear();
			diagnosticSinks.forEach(Sinks.Many::tryEmitComplete);
			diagnosticSinks.clear();
			awaitingText.clear();
			reported.clear();
			done.success();
		}));
		Mono<Void> instances = Flux.fromIterable(bindings)
				.flatMap(b -> Mono.fromRunnable(() -> closeBinding(b)).subscribeOn(Schedulers.boundedElastic()))
				.then();
		Mono<Void> host = ownHost == null ? Mono.empty() : ownHost.close();
		return streams.then(instances).then(host);
	}

	private void closeBinding(Slot b) {
		JmDNS jmdns;
		ServiceListener listener;
		ServiceInfo registered;
		synchronized (b) {
			jmdns = b.jmdns;
			listener = b.listener;
			registered = b.registered;
			b.jmdns = null;
			b.listener = null;
			b.registered = null;
		}
		if (jmdns == null) {
			return;
		}
		try {
			if (listener != null) {
				jmdns.removeServiceListener(serviceType, listener);
			}
			// An own host's close() withdraws every registered service with goodbyes: unregistering first would
			// only add another wait.
			if (registered != null && ownHost == null) {
				jmdns.unregisterService(registered);
			}
			log.debug("mDNS discovery withdrew its announcement on {}", b.label);
		}
		catch (Throwable t) {
			Exceptions.throwIfJvmFatal(t);
			log.warn("mDNS discovery could not withdraw its announcement on {} cleanly", b.label, t);
		}
	}

	private static NotSignedInException closedError() {
		return new NotSignedInException("This mDNS discovery session is closed; start a new one to announce again");
	}

	/** Receives jmDNS's callbacks on jmDNS's thread: hands everything off, never blocks, never throws. */
	private final class Listener implements ServiceListener {

		private final Slot binding;

		Listener(Slot binding) {
			this.binding = binding;
		}

		@Override
		public void serviceAdded(ServiceEvent event) {
			try {
				resolve(binding, event.getType(), event.getName());
			}
			catch (Throwable t) {
				failed(binding, event, t);
			}
		}

		@Override
		public void serviceResolved(ServiceEvent event) {
			try {
				ServiceInfo info = event.getInfo();
				String key = key(binding, event);
				String instance = event.getName();
				int port = info.getPort();
				byte[] text = info.getTextBytes();
				byte[] textCopy = text == null ? null : text.clone();
				InetAddress[] addresses = info.getInetAddresses();
				submit(() -> onResolved(binding, key, instance, port, textCopy, addresses));
			}
			catch (Throwable t) {
				failed(binding, event, t);
			}
		}

		@Override
		public void serviceRemoved(ServiceEvent event) {
			try {
				String key = key(binding, event);
				submit(() -> onRemoved(key));
			}
			catch (Throwable t) {
				failed(binding, event, t);
			}
		}
	}

	private static String key(Slot b, ServiceEvent event) {
		return b.label + "|" + (event.getName() + "." + event.getType()).toLowerCase(Locale.ROOT);
	}

	private void resolve(Slot b, String type, String name) {
		if (closing) {
			return;
		}
		Schedulers.boundedElastic().schedule(() -> {
			JmDNS jmdns = b.jmdns;
			if (closing || jmdns == null) {
				return;
			}
			try {
				// The 4-argument form: the shorter ones ignore their timeout and hold the thread for 6 s. Persistent,
				// so that records arriving after the wait, or changing later, still come as serviceResolved; the
				// price is one listener per instance ever resolved, kept by jmDNS until the session closes.
				jmdns.requestServiceInfo(type, name, true, RESOLVE_WAIT_MILLIS);
			}
			catch (Throwable t) {
				Exceptions.throwIfJvmFatal(t);
				if (!closing) {
					log.debug("mDNS discovery could not resolve '{}' on {}", name, b.label, t);
				}
			}
		});
	}

	private void failed(Slot b, ServiceEvent event, Throwable t) {
		Exceptions.throwIfJvmFatal(t);
		String instance;
		try {
			instance = String.valueOf(event.getName());
		}
		catch (Throwable again) {
			Exceptions.throwIfJvmFatal(again);
			instance = "?";
		}
		String name = instance;
		log.warn("mDNS discovery could not handle an event about '{}' on {}",
				MessageText.quote(name), b.label, t);
		submit(() -> diagnose("Ignored the mDNS announcement '" + MessageText.quote(name) + "' seen on "
				+ b.label + ": it could not be handled (" + t + ")"));
	}

	// ---- Tasks of the serialized queue ----

	private void onResolved(Slot b, String key, String instance, int port, byte[] text, InetAddress[] addresses) {
		if (streamsClosed) {
			return;
		}
		AnnouncementCodec.Decoded decoded = AnnouncementCodec.decode(text, port);
		if (decoded instanceof AnnouncementCodec.Empty) {
			// Usually the real record is milliseconds away; an instance already read keeps what it said.
			if (!table.contains(key) && !reported.containsKey(key) && awaitingText.add(key)) {
				later(EMPTY_TEXT_GRACE, () -> {
					if (awaitingText.remove(key)) {
						report(b, key, instance, "its TXT record is empty (it lacks the keys v, pn, nn)");
					}
				});
			}
			return;
		}
		awaitingText.remove(key);
		if (decoded instanceof AnnouncementCodec.Malformed malformed) {
			publish(table.remove(key));
			report(b, key, instance, malformed.reason());
			return;
		}
		AnnouncementCodec.Valid valid = (AnnouncementCodec.Valid) decoded;
		reported.remove(key);
		publish(table.put(key, valid.name(), valid.nickname(), endPoints(b, addresses, port), valid.endPointName(),
				valid.machineName()));
	}

	private void onRemoved(String key) {
		if (streamsClosed) {
			return;
		}
		awaitingText.remove(key);
		reported.remove(key);
		publish(table.remove(key));
	}

	private static List<PeerEndPoint> endPoints(Slot b, InetAddress[] addresses, int port) {
		List<PeerEndPoint> endPoints = new ArrayList<>(addresses == null ? 0 : addresses.length);
		if (addresses != null) {
			for (InetAddress address : addresses) {
				if (address != null) {
					endPoints.add(new PeerEndPoint(b.interfaceName, new InetSocketAddress(scoped(b, address), port)));
				}
			}
		}
		return endPoints;
	}

	/** @return the address, with the interface it was seen on as scope if it is link-local IPv6 without one */
	private static InetAddress scoped(Slot b, InetAddress address) {
		if (address instanceof Inet6Address v6 && v6.isLinkLocalAddress() && v6.getScopeId() == 0
				&& v6.getScopedInterface() == null && b.networkInterface != null) {
			try {
				return Inet6Address.getByAddress(null, v6.getAddress(), b.networkInterface);
			}
			catch (UnknownHostException e) {
				return address;
			}
		}
		return address;
	}

	private void report(Slot b, String key, String instance, String reason) {
		// jmDNS repeats resolutions; one report per instance and reason is enough.
		if (reason.equals(reported.put(key, reason))) {
			return;
		}
		diagnose("Ignored the mDNS announcement '" + MessageText.quote(instance) + "' seen on " + b.label
				+ ": " + reason);
	}

	private void diagnose(String message) {
		log.warn(message);
		if (streamsClosed) {
			return;
		}
		Diagnostic diagnostic = new Diagnostic(Instant.now(), Diagnostic.Kind.MALFORMED_ANNOUNCEMENT, message);
		diagnosticSinks.removeIf(sink -> !emit(sink, diagnostic));
	}

	private void publish(List<DiscoveryEvent> events) {
		if (events.isEmpty()) {
			return;
		}
		for (DiscoveryEvent event : events) {
			log.debug("mDNS discovery: {} {} {}", event.type(), event.peer().name(), event.peer().endPoints());
		}
		Iterator<Sinks.Many<DiscoveryEvent>> it = peerSinks.iterator();
		while (it.hasNext()) {
			Sinks.Many<DiscoveryEvent> sink = it.next();
			for (DiscoveryEvent event : events) {
				if (!emit(sink, event)) {
					it.remove();
					break;
				}
			}
		}
	}

	/** @return whether the subscriber is still there to receive more */
	private static <T> boolean emit(Sinks.Many<T> sink, T value) {
		Sinks.EmitResult result = sink.tryEmitNext(value);
		if (result.isSuccess()) {
			return true;
		}
		if (result != Sinks.EmitResult.FAIL_CANCELLED && result != Sinks.EmitResult.FAIL_TERMINATED) {
			// Cannot happen with an unbounded unicast sink fed from one queue; if it does, end that subscriber
			// loudly rather than leave it silently behind.
			log.warn("mDNS discovery could not emit to a subscriber ({}); ending its stream", result);
			sink.tryEmitError(new IllegalStateException("mDNS discovery could not emit: " + result));
		}
		return false;
	}

	private void later(Duration delay, Runnable task) {
		try {
			Schedulers.parallel().schedule(() -> submit(task), delay.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (RejectedExecutionException e) {
			log.debug("mDNS discovery could not schedule a delayed check", e);
		}
	}

	private void submit(Runnable task) {
		tasks.offer(task);
		if (pendingTasks.getAndIncrement() == 0) {
			try {
				Schedulers.boundedElastic().schedule(this::drain);
			}
			catch (RejectedExecutionException e) {
				// Reactor's schedulers are shut down (the application is stopping): drain here rather than never.
				drain();
			}
		}
	}

	private void drain() {
		int missed = 1;
		for (;;) {
			Runnable task;
			while ((task = tasks.poll()) != null) {
				try {
					task.run();
				}
				catch (Throwable t) {
					Exceptions.throwIfJvmFatal(t);
					log.warn("mDNS discovery: a state update failed", t);
				}
			}
			missed = pendingTasks.addAndGet(-missed);
			if (missed == 0) {
				return;
			}
		}
	}

	/**
	 * Lets tests see what events do not show: how many service instances stand behind one peer.
	 *
	 * @return how many service instances announce this name now, across every interface
	 */
	Mono<Integer> instanceCount(PeerName name) {
		return Mono.create(sink -> submit(() -> sink.success(table.instances(name))));
	}

	private String labels() {
		List<String> labels = new ArrayList<>(bindings.size());
		for (Slot b : bindings) {
			labels.add(b.label);
		}
		return String.join(", ", labels);
	}

	@Override
	public String toString() {
		return "MdnsSession[" + self.name() + " on " + labels() + "]";
	}
}
