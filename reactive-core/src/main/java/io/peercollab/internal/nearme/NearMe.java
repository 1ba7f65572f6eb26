// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nearme;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.peercollab.ChangeType;
import io.peercollab.Checks;
import io.peercollab.CollaborationObserver;
import io.peercollab.Diagnostic;
import io.peercollab.NotSignedInException;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerIdentityMismatchException;
import io.peercollab.PeerNearMe;
import io.peercollab.PeerNearMeEvent;
import io.peercollab.PeerUnreachableException;
import io.peercollab.identity.PeerName;
import io.peercollab.internal.flow.StateFanout;
import io.peercollab.internal.peer.RemotePeer;
import io.peercollab.spi.Announcement;
import io.peercollab.spi.Discovery;
import io.peercollab.spi.DiscoveryEvent;
import io.peercollab.spi.DiscoveryHost;
import io.peercollab.spi.DiscoverySession;
import io.peercollab.spi.PeerConnection;
import io.peercollab.spi.TransportBinding;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * People near me: turns what discovery claims into verified {@link PeerNearMe}s.
 *
 * <ul>
 *   <li>A name is a claim until a connection proves it: each announced endpoint is verified at once
 *   ({@link TransportBinding#verify}: connect, check that the pinned key matches the announced name, and let the
 *   connection go), and a peer is shown only with the endpoints that proved its name there ({@code ADDED} once the
 *   first one has), most recently proven first. So an impostor announcing a real peer's name elsewhere never
 *   appears under that name, even for a moment, and cannot make the real peer disappear.</li>
 *   <li>An endpoint whose key does not match is reported as {@link Diagnostic.Kind#SPOOFED_NAME} and refused for
 *   {@link #SPOOFED_MEMORY}, across the name's disappearance and return, so it is not dialled again each time it is
 *   announced. An endpoint that does not answer, or whose peer vanished, is not dialled again for
 *   {@link #DEAD_MEMORY} (the peer may come back at the same port later). Both memories are bounded
 *   ({@link #MEMORY_ENTRIES} endpoints each), so announcements cannot grow them without limit.</li>
 *   <li>Liveness, without a connection held per neighbour: a peer that signs out tells us and is removed at once;
 *   mDNS goodbyes and expiry remove it (the discovery's worst case). When the transport loses a connection to it
 *   ({@link TransportBinding#connectionsLost}: the connection closed under a call, its keepalive failed, or a call
 *   could not connect), its proven endpoints are verified again, and it is removed, its endpoints counted as dead,
 *   if none answers. And every shown peer's proven endpoints are probed ({@link TransportBinding#probe}: for TCP, a
 *   connect closed at once) once per {@link #PROBE_PERIOD}, one peer at a time, spread evenly over the period: an
 *   endpoint that refuses (its process died) or does not answer within the connect timeout (its machine left) is
 *   dropped like one that failed verification. n peers cost n probes per period and nothing between probes but
 *   their place in one queue. A transport whose {@code verify} keeps the connection open has it watched too.</li>
 *   <li>A peer that signed out is ignored until it announces other endpoints (a new sign-in binds a new port), so a
 *   stale mDNS record cannot bring it back.</li>
 *   <li>Discovery is kept across sign-ins: the first sign-in opens a {@link DiscoveryHost} (for mDNS, the jmDNS
 *   instances), each sign-in starts a session on it, and the endpoint's close closes it.</li>
 * </ul>
 */
public final class NearMe {

	/** The endpoint's logger: what this room logs reads as the endpoint's. */
	private static final Logger LOG = LoggerFactory.getLogger(PeerCollaboration.class);

	static final Duration SIGN_OUT_NOTICE_TIMEOUT = Duration.ofSeconds(1);
	/** How long an endpoint that failed to prove the name announced with it stays refused. */
	static final Duration SPOOFED_MEMORY = Duration.ofMinutes(10);
	/** How long an endpoint that did not answer is not dialled again for the same name. */
	static final Duration DEAD_MEMORY = Duration.ofSeconds(30);
	/** The most endpoints each memory keeps; the oldest are forgotten first. */
	static final int MEMORY_ENTRIES = 1_024;
	/**
	 * How often each shown peer's proven endpoints are probed at most: a peer whose process died while no connection
	 * to it was open is removed within this period plus one refused connect; one whose machine left the network
	 * within this period plus the transport's connect timeout.
	 */
	public static final Duration PROBE_PERIOD = Duration.ofSeconds(5);

	/** Makes the {@link PeerNearMe} shown for a verified name. */
	public interface PeerFactory {

		/** @return a peer near me with these endpoints, most recently proven first */
		RemotePeer create(PeerName name, String nickname, List<PeerEndPoint> endPoints);
	}

	private final PeerName self;
	private final Discovery discovery;
	private final Scheduler timer;
	private final Supplier<TransportBinding> binding;
	private final PeerFactory peerFactory;
	private final Consumer<Diagnostic> diagnostics;

	private final Object lock = new Object();
	// guarded by lock
	private final Map<PeerName, RemotePeer> peers = new HashMap<>();
	private final Map<PeerName, List<PeerEndPoint>> ignored = new HashMap<>();
	/** The connection watched per peer shown, if the transport keeps the one that proved its name open. */
	private final Map<PeerName, PeerConnection> connections = new HashMap<>();
	/** Announced endpoints whose key did not match the name announced with them, with when that was seen. */
	private final Memory spoofed = new Memory(SPOOFED_MEMORY);
	/** Announced endpoints that did not answer, or whose peer vanished, with when that was seen. */
	private final Memory dead = new Memory(DEAD_MEMORY);
	/** Announced endpoints that proved their name on a connection, with the order of their proof. */
	private final Map<PeerName, Map<PeerEndPoint, Long>> proven = new HashMap<>();
	private long proofs;
	/** The endpoints each name is announced at now, those that failed to prove it left out. */
	private final Map<PeerName, List<PeerEndPoint>> claims = new HashMap<>();
	/** The nickname each name is announced with now. */
	private final Map<PeerName, String> nicknames = new HashMap<>();
	/** The endpoint and machine name each name announced last. */
	private final Map<PeerName, List<String>> announcedNames = new HashMap<>();
	/** Starting the discovery again after it found no usable interface; null when not retrying. Guarded by lock. */
	private Disposable retrying;
	/** Announced endpoints being verified, per name; a name with none has no entry. */
	private final Map<PeerName, Set<PeerEndPoint>> verifying = new HashMap<>();
	/** The shown peers, each once, least recently probed (or proven) first, with when that was. */
	private final ArrayDeque<Probed> probeQueue = new ArrayDeque<>();
	/** The next probe, while a peer is shown. */
	private Disposable probeTask;
	/** The number of the latest probe scheduled: a probe that was replaced (or stopped) and runs anyway does nothing. */
	private long probeNumber;
	private final StateFanout<PeerNearMeEvent> fanout;
	/** Told of every peer shown or changed, after its subscribers (see {@link #whenShown}). */
	private volatile Consumer<PeerNearMeEvent> shown = e -> {
	};
	private DiscoveryHost host;
	private boolean hostClosed;
	private DiscoverySession session;
	private Disposable subscriptions = Disposables.composite();
	private Mono<Void> closing = Mono.empty();

	/** Endpoints of names remembered for a while, bounded: the oldest entry goes first. Called under lock. */
	private final class Memory {

		private final Duration keep;
		private final LinkedHashMap<String, Long> seen = new LinkedHashMap<>(16, 0.75f, false);

		Memory(Duration keep) {
			this.keep = keep;
		}

		private static String key(PeerName name, PeerEndPoint ep) {
			return name + "@" + ep.address();
		}

		void add(PeerName name, PeerEndPoint ep) {
			String k = key(name, ep);
			seen.remove(k);
			seen.put(k, now());
			while (seen.size() > MEMORY_ENTRIES) {
				seen.remove(seen.keySet().iterator().next());
			}
		}

		boolean contains(PeerName name, PeerEndPoint ep) {
			if (seen.isEmpty()) {
				return false;
			}
			String k = key(name, ep);
			Long at = seen.get(k);
			if (at == null) {
				return false;
			}
			if (now() - at >= keep.toMillis()) {
				seen.remove(k);
				return false;
			}
			return true;
		}

		void remove(PeerName name, PeerEndPoint ep) {
			if (!seen.isEmpty()) {
				seen.remove(key(name, ep));
			}
		}

		void clear() {
			seen.clear();
		}
	}

	private long now() {
		return timer.now(TimeUnit.MILLISECONDS);
	}

	/** A shown peer in the probe queue, and when it was last probed or proven. */
	private record Probed(PeerName name, long at) {
	}

	/**
	 * @param self this endpoint's name, never shown near itself
	 * @param discovery how to announce and browse, or {@code null} if the endpoint has none (then it never starts)
	 * @param timer the clock of the memories
	 * @param binding the endpoint's transport binding while it is signed in; throws {@link NotSignedInException}
	 * otherwise
	 * @param peerFactory makes the peers shown
	 * @param diagnostics receives spoofed names and lost neighbours
	 * @param observer told about every peer shown, changed and removed (guarded: it does not throw)
	 */
	public NearMe(PeerName self, Discovery discovery, Scheduler timer, Supplier<TransportBinding> binding,
			PeerFactory peerFactory, Consumer<Diagnostic> diagnostics, CollaborationObserver observer) {
		this.fanout = new StateFanout<>(lock, 1_024, observer == CollaborationObserver.NOOP ? e -> shown.accept(e)
				: e -> {
					observer.peerNearMe(e);
					shown.accept(e);
				});
		this.self = Checks.notNull(self, "self");
		this.discovery = discovery;
		this.timer = Checks.notNull(timer, "timer");
		this.binding = Checks.notNull(binding, "binding");
		this.peerFactory = Checks.notNull(peerFactory, "peerFactory");
		this.diagnostics = Checks.notNull(diagnostics, "diagnostics");
	}

	private void diagnose(Diagnostic.Kind kind, String message) {
		diagnostics.accept(new Diagnostic(Instant.now(), kind, message));
	}

	/**
	 * Signs in: opens the discovery host if this is the first sign-in, starts a session on it announcing
	 * {@code self}, and follows what it and the transport report.
	 *
	 * @return completes once the announcement is registered
	 */
	public Mono<Void> start(Announcement announcement) {
		return Mono.defer(() -> {
			DiscoveryHost h;
			try {
				synchronized (lock) {
					if (hostClosed) {
						return Mono.error(new IllegalStateException("this PeerCollaboration is closed"));
					}
					if (host == null) {
						host = Checks.notNull(discovery, "discovery").host();
					}
					h = host;
				}
			}
			finally {
				fanout.drain();
			}
			return h.start(announcement).doOnNext(this::started).then()
					.onErrorResume(io.peercollab.NoConnectivityException.class, e -> {
						noConnectivity(h, announcement, e);
						return Mono.empty();
					});
		});
	}

	/** How often a discovery that found no usable interface is started again. */
	public static final Duration CONNECTIVITY_RETRY = Duration.ofSeconds(5);

	/**
	 * Signed in, no connectivity: said once, then the discovery is started again every {@link #CONNECTIVITY_RETRY}
	 * until it finds an interface (or this endpoint signs out of NEAR_ME, which cancels the retries).
	 */
	private void noConnectivity(DiscoveryHost h, Announcement announcement, Throwable why) {
		diagnostics.accept(new Diagnostic(java.time.Instant.now(), Diagnostic.Kind.NO_CONNECTIVITY,
				"signed in, no connectivity: " + why.getMessage() + "; discovery is started again every "
						+ CONNECTIVITY_RETRY.toSeconds() + " s until a network interface comes up"));
		Disposable retry = Mono.delay(CONNECTIVITY_RETRY, timer)
				.then(Mono.defer(() -> h.start(announcement))
						.retryWhen(reactor.util.retry.Retry.fixedDelay(Long.MAX_VALUE, CONNECTIVITY_RETRY)
								.filter(io.peercollab.NoConnectivityException.class::isInstance).scheduler(timer)))
				.subscribe(s -> {
					boolean stale;
					try {
						synchronized (lock) {
							stale = retrying == null;
							retrying = null;
						}
					}
					finally {
						fanout.drain();
					}
					if (stale) {
						s.close().subscribe(null, e -> LOG.debug("closing a late discovery session failed", e));
						return;
					}
					started(s);
				}, e -> LOG.warn("discovery could not be started after connectivity came back", e));
		Disposable old;
		try {
			synchronized (lock) {
				old = retrying;
				retrying = retry;
			}
		}
		finally {
			fanout.drain();
		}
		if (old != null) {
			old.dispose();
		}
	}

	private void started(DiscoverySession s) {
		try {
			TransportBinding b = binding.get();
			synchronized (lock) {
				session = s;
				subscriptions = Disposables.composite(
						s.peers().subscribe(this::onDiscovery, e -> LOG.warn("discovery failed", e)),
						s.diagnostics().subscribe(diagnostics),
						b.connectionsLost().subscribe(this::lost,
								e -> LOG.debug("the transport's lost connections failed", e)));
			}
		}
		finally {
			fanout.drain();
		}
	}

	/**
	 * Sets who is told of every peer near me shown, changed or removed, in order, never under the lock (the engine: so
	 * that a followed contact's endpoint that appears near me is followed at once).
	 */
	public void whenShown(Consumer<PeerNearMeEvent> listener) {
		this.shown = Checks.notNull(listener, "listener");
	}

	public Flux<PeerNearMeEvent> events() {
		// the snapshot is read under the lock when the subscriber registers: signed out by then, it fails
		return fanout.stream(() -> {
			// signed in without connectivity (retrying) counts as signed in: nobody is near yet
			if (session == null && retrying == null) {
				throw notSignedIn();
			}
			return peers.values().stream().map(p -> new PeerNearMeEvent(ChangeType.ADDED, (PeerNearMe) p)).toList();
		});
	}

	public Mono<List<PeerNearMe>> current() {
		return Mono.defer(() -> {
			try {
				synchronized (lock) {
					if (session == null && retrying == null) {
						return Mono.error(notSignedIn());
					}
					return Mono.just(List.<PeerNearMe>copyOf(peers.values()));
				}
			}
			finally {
				fanout.drain();
			}
		});
	}

	/**
	 * @return the addresses a peer near me announced for {@code name}; none if it is not near me, or if this endpoint
	 * is not signed in to NEAR_ME (no error is made: contacts' resolution asks this at every connection)
	 */
	public List<PeerEndPoint> endPoints(PeerName name) {
		try {
			synchronized (lock) {
				RemotePeer p = session == null ? null : peers.get(name);
				return p == null ? List.of() : p.endPoints();
			}
		}
		finally {
			fanout.drain();
		}
	}

	private static NotSignedInException notSignedIn() {
		return new NotSignedInException("people near me need this endpoint signed in to NEAR_ME");
	}

	private void onDiscovery(DiscoveryEvent e) {
		PeerName name = e.peer().name();
		if (name.equals(self)) {
			return;
		}
		List<PeerEndPoint> toVerify = new ArrayList<>();
		try {
			synchronized (lock) {
				if (session == null) {
					return;
				}
				if (e.type() == ChangeType.REMOVED) {
					ignored.remove(name);
					forget(name);
					remove(name);
					return;
				}
				List<PeerEndPoint> eps = e.peer().endPoints();
				List<PeerEndPoint> stale = ignored.get(name);
				if (stale != null) {
					if (stale.equals(eps)) {
						return;
					}
					ignored.remove(name);
				}
				// Endpoints that failed to prove this name stay out; those that did not answer are not dialled again yet.
				List<PeerEndPoint> claimed = eps.stream().filter(ep -> !spoofed.contains(name, ep)).toList();
				claims.put(name, claimed);
				nicknames.put(name, e.peer().nickname());
				announcedNames.put(name, List.of(e.peer().endPointName(), e.peer().machineName()));
				Map<PeerEndPoint, Long> proven = this.proven.computeIfAbsent(name, k -> new HashMap<>(4));
				proven.keySet().retainAll(claimed);
				for (PeerEndPoint ep : claimed) {
					if (!proven.containsKey(ep) && !dead.contains(name, ep) && startVerifying(name, ep)) {
						toVerify.add(ep);
					}
				}
				showProven(name);
			}
		}
		finally {
			fanout.drain();
		}
		for (PeerEndPoint ep : toVerify) {
			verify(name, ep, false);
		}
	}

	/** @return whether the endpoint was not being verified already; it is now. Called under lock. */
	private boolean startVerifying(PeerName name, PeerEndPoint ep) {
		return verifying.computeIfAbsent(name, k -> new HashSet<>(4)).add(ep);
	}

	/** Called under lock. */
	private void doneVerifying(PeerName name, PeerEndPoint ep) {
		Set<PeerEndPoint> checking = verifying.get(name);
		if (checking != null && checking.remove(ep) && checking.isEmpty()) {
			verifying.remove(name);
		}
	}

	/**
	 * Shows the name with the endpoints that proved it, most recently proven first; removes it if none did. Called
	 * under lock.
	 */
	private void showProven(PeerName name) {
		Map<PeerEndPoint, Long> proven = this.proven.getOrDefault(name, Map.of());
		List<PeerEndPoint> shown = proven.entrySet().stream()
				.sorted(Map.Entry.<PeerEndPoint, Long>comparingByValue().reversed())
				.map(Map.Entry::getKey)
				.toList();
		RemotePeer old = peers.get(name);
		if (shown.isEmpty()) {
			remove(name);
			return;
		}
		String nickname = nicknames.getOrDefault(name, "");
		List<String> names = announcedNames.getOrDefault(name, List.of("", ""));
		if (old == null) {
			RemotePeer p = peerFactory.create(name, nickname, shown).withNames(names.get(0), names.get(1));
			p.markVerified();
			peers.put(name, p);
			probeQueue.addLast(new Probed(name, now()));
			scheduleProbe(true);
			fanout.emit(new PeerNearMeEvent(ChangeType.ADDED, p));
			return;
		}
		RemotePeer p = old.with(nickname, shown).withNames(names.get(0), names.get(1));
		if (p.equals(old)) {
			return;
		}
		peers.put(name, p);
		fanout.emit(new PeerNearMeEvent(ChangeType.UPDATED, p));
	}

	/**
	 * Verifies one endpoint: it either proves the name and is shown, or is dropped and reported.
	 *
	 * @param again whether the endpoint had proved the name before and is checked because a connection to the peer
	 * was lost: its place in the order stays, and if it was the last one the loss is reported
	 */
	private void verify(PeerName name, PeerEndPoint ep, boolean again) {
		Mono.defer(() -> binding.get().verify(name, ep.address()))
				.map(Optional::of)
				.defaultIfEmpty(Optional.empty())
				.subscribe(c -> proved(name, ep, again, c.orElse(null)), err -> failed(name, ep, again, err));
	}

	private void proved(PeerName name, PeerEndPoint ep, boolean again, PeerConnection kept) {
		boolean watchIt;
		try {
			synchronized (lock) {
				doneVerifying(name, ep);
				Map<PeerEndPoint, Long> proven = this.proven.get(name);
				List<PeerEndPoint> claim = claims.get(name);
				if (proven == null || claim == null || !claim.contains(ep) || session == null) {
					return;
				}
				dead.remove(name, ep);
				if (!again || !proven.containsKey(ep)) {
					proven.put(ep, ++proofs);
				}
				showProven(name);
				watchIt = kept != null && peers.containsKey(name) && !connections.containsKey(name);
				if (watchIt) {
					connections.put(name, kept);
				}
			}
		}
		finally {
			fanout.drain();
		}
		if (watchIt) {
			// its closing tells that the peer may be gone
			kept.onClose().subscribe(null, e -> closed(name, kept), () -> closed(name, kept));
		}
	}

	private void failed(PeerName name, PeerEndPoint ep, boolean again, Throwable err) {
		boolean report = false;
		boolean lostIt = false;
		try {
			synchronized (lock) {
				doneVerifying(name, ep);
				if (session != null) {
					if (err instanceof PeerIdentityMismatchException) {
						report = true;
						spoofed.add(name, ep);
						List<PeerEndPoint> claim = claims.get(name);
						if (claim != null && claim.contains(ep)) {
							claims.put(name, claim.stream().filter(x -> !x.equals(ep)).toList());
						}
					}
					else if (err instanceof PeerUnreachableException) {
						dead.add(name, ep);
					}
					Map<PeerEndPoint, Long> proven = this.proven.get(name);
					if (proven != null && proven.remove(ep) != null) {
						boolean shown = peers.containsKey(name);
						showProven(name);
						lostIt = again && shown && !peers.containsKey(name);
					}
				}
			}
		}
		finally {
			fanout.drain();
		}
		if (report) {
			diagnose(Diagnostic.Kind.SPOOFED_NAME, "a peer near me at " + ep + " announced the name " + name
					+ " but could not prove it (" + err.getMessage() + "); that endpoint was dropped");
		}
		else if (!(err instanceof PeerUnreachableException || err instanceof NotSignedInException
				|| err instanceof PeerIdentityMismatchException)) {
			LOG.debug("verifying {} at {} failed", name, ep, err);
		}
		if (lostIt) {
			diagnose(Diagnostic.Kind.CONNECTION_LOST, name + " stopped answering; removed from people near me");
		}
	}

	/**
	 * Forgets what was learnt about the endpoints of a name that is no longer announced; what it refused as spoofed or
	 * found dead is kept for a while (bounded), so that the name's return does not dial those again. Called under lock.
	 */
	private void forget(PeerName name) {
		proven.remove(name);
		verifying.remove(name);
		claims.remove(name);
		nicknames.remove(name);
		announcedNames.remove(name);
	}

	/** A watched connection closed: either idle (the peer is fine) or the peer vanished. Verifying again tells. */
	private void closed(PeerName name, PeerConnection c) {
		try {
			synchronized (lock) {
				if (!connections.remove(name, c)) {
					return;
				}
			}
		}
		finally {
			fanout.drain();
		}
		lost(name);
	}

	/**
	 * A connection to the peer was lost (the transport's report, or a watched connection closed): its proven
	 * endpoints are verified again.
	 */
	private void lost(PeerName name) {
		List<PeerEndPoint> toVerify = new ArrayList<>();
		try {
			synchronized (lock) {
				Map<PeerEndPoint, Long> proven = this.proven.get(name);
				if (session == null || proven == null || !peers.containsKey(name)) {
					return;
				}
				for (PeerEndPoint ep : proven.keySet()) {
					if (startVerifying(name, ep)) {
						toVerify.add(ep);
					}
				}
			}
		}
		finally {
			fanout.drain();
		}
		for (PeerEndPoint ep : toVerify) {
			verify(name, ep, true);
		}
	}

	/** Called under lock. */
	private void remove(PeerName name) {
		RemotePeer p = peers.remove(name);
		connections.remove(name);
		if (p != null) {
			probeQueue.removeIf(q -> q.name().equals(name));
			fanout.emit(new PeerNearMeEvent(ChangeType.REMOVED, p));
		}
	}

	/**
	 * Schedules the next probe, if a peer is shown: {@link #PROBE_PERIOD} divided by the number of peers shown after
	 * the last one, so that n peers cost n probes per period, spread evenly, and never later than the period after the
	 * least recently probed peer was probed. Called under lock.
	 *
	 * @param sooner whether a pending probe should be brought forward if the new spacing is shorter (a peer was added)
	 */
	private void scheduleProbe(boolean sooner) {
		if (session == null || probeQueue.isEmpty()) {
			return;
		}
		long period = PROBE_PERIOD.toMillis();
		long delay = Math.max(0, Math.min(period / probeQueue.size(), probeQueue.peekFirst().at() + period - now()));
		if (probeTask != null) {
			if (!sooner) {
				return;
			}
			probeTask.dispose();
		}
		long number = ++probeNumber;
		probeTask = timer.schedule(() -> probeNext(number), delay, TimeUnit.MILLISECONDS);
	}

	/** Probes the least recently probed peer's proven endpoints, and schedules the next probe. */
	private void probeNext(long number) {
		PeerName name;
		List<PeerEndPoint> toProbe = new ArrayList<>();
		try {
			synchronized (lock) {
				if (number != probeNumber) {
					return;
				}
				probeTask = null;
				Probed next = session == null ? null : probeQueue.pollFirst();
				if (next == null) {
					return;
				}
				name = next.name();
				probeQueue.addLast(new Probed(name, now()));
				Map<PeerEndPoint, Long> proven = this.proven.get(name);
				if (proven != null) {
					for (PeerEndPoint ep : proven.keySet()) {
						// an endpoint being verified is checked already
						if (startVerifying(name, ep)) {
							toProbe.add(ep);
						}
					}
				}
				scheduleProbe(false);
			}
		}
		finally {
			fanout.drain();
		}
		for (PeerEndPoint ep : toProbe) {
			Mono.defer(() -> binding.get().probe(name, ep.address()))
					.subscribe(null, err -> failed(name, ep, true, err), () -> probed(name, ep));
		}
	}

	/** A probe found the endpoint listening: nothing changes. */
	private void probed(PeerName name, PeerEndPoint ep) {
		try {
			synchronized (lock) {
				doneVerifying(name, ep);
			}
		}
		finally {
			fanout.drain();
		}
	}

	public void peerSignedOut(PeerName name) {
		try {
			synchronized (lock) {
				RemotePeer p = peers.get(name);
				if (p != null) {
					ignored.put(name, p.endPoints());
					remove(name);
				}
			}
		}
		finally {
			fanout.drain();
		}
	}

	public Mono<Void> updateNickname(String nickname) {
		DiscoverySession s = currentSession();
		return s == null ? Mono.empty() : s.updateNickname(nickname);
	}

	/** @return the discovery session while signed in to NEAR_ME, else {@code null} */
	private DiscoverySession currentSession() {
		try {
			synchronized (lock) {
				return session;
			}
		}
		finally {
			fanout.drain();
		}
	}

	/**
	 * @return the endpoint name that the verified peer near me {@code name} announced, if {@code address} is one of its
	 * proven endpoints; else {@code ""}
	 */
	public String announcedEndPointName(PeerName name, io.peercollab.PeerAddress address) {
		try {
			synchronized (lock) {
				RemotePeer p = peers.get(name);
				if (p != null) {
					for (PeerEndPoint ep : p.endPoints()) {
						if (ep.address().equals(address)) {
							return p.endPointName();
						}
					}
				}
				return "";
			}
		}
		finally {
			fanout.drain();
		}
	}

	/** Re-announces this endpoint with another endpoint name; nothing while not signed in to NEAR_ME. */
	public Mono<Void> updateEndPointName(String endPointName) {
		DiscoverySession s = currentSession();
		return s == null ? Mono.empty() : s.updateEndPointName(endPointName);
	}

	/**
	 * Tells every neighbour shown that this endpoint signs out (over the open connection, or a new one; waiting at
	 * most a second for each), then closes the discovery session. Closing it blocks in jmDNS for a while, so it runs
	 * in the background; {@link #awaitClosed()} waits for it.
	 */
	public Mono<Void> stop() {
		return Mono.defer(() -> {
			List<RemotePeer> shown;
			DiscoverySession s;
			try {
				synchronized (lock) {
					shown = new ArrayList<>(peers.values());
					s = session;
					session = null;
					subscriptions.dispose();
					if (retrying != null) {
						retrying.dispose();
						retrying = null;
					}
					peers.clear();
					connections.clear();
					probeQueue.clear();
					probeNumber++;
					if (probeTask != null) {
						probeTask.dispose();
						probeTask = null;
					}
					ignored.clear();
					spoofed.clear();
					dead.clear();
					proven.clear();
					verifying.clear();
					claims.clear();
					nicknames.clear();
					announcedNames.clear();
					fanout.complete();
				}
			}
			finally {
				fanout.drain();
			}
			Mono<Void> notices = Flux.fromIterable(shown)
					.flatMap(p -> p.connection().flatMap(PeerConnection::signedOut).timeout(SIGN_OUT_NOTICE_TIMEOUT)
							.onErrorResume(e -> Mono.empty()))
					.then();
			return notices.then(Mono.fromRunnable(() -> {
				if (s != null) {
					Mono<Void> closed = s.close().onErrorResume(e -> {
						LOG.warn("closing discovery failed", e);
						return Mono.empty();
					}).cache();
					try {
						synchronized (lock) {
							closing = closing.then(closed).cache();
						}
					}
					finally {
						fanout.drain();
					}
					closed.subscribe();
				}
			}));
		});
	}

	/**
	 * The endpoint closes: waits for the last session to close (see {@link #stop()}), then closes the discovery host,
	 * releasing what it kept across sign-ins.
	 *
	 * @return completes once both are closed
	 */
	public Mono<Void> awaitClosed() {
		return Mono.defer(() -> {
			Mono<Void> sessions;
			DiscoveryHost h;
			try {
				synchronized (lock) {
					sessions = closing;
					h = host;
					hostClosed = true;
				}
			}
			finally {
				fanout.drain();
			}
			Mono<Void> released = h == null ? Mono.empty() : h.close().onErrorResume(e -> {
				LOG.warn("closing discovery failed", e);
				return Mono.empty();
			});
			return sessions.then(released);
		});
	}
}
