package io.peercollab.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.peercollab.ChangeType;
import io.peercollab.Diagnostic;
import io.peercollab.NotSignedInException;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerIdentityMismatchException;
import io.peercollab.PeerNearMe;
import io.peercollab.PeerNearMeEvent;
import io.peercollab.PeerUnreachableException;
import io.peercollab.discovery.DiscoveryEvent;
import io.peercollab.discovery.DiscoverySession;
import io.peercollab.identity.PeerName;
import io.peercollab.spi.PeerConnection;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * People near me: turns what discovery claims into verified {@link PeerNearMe}s.
 *
 * <ul>
 *   <li>Each announced endpoint of a discovered peer is connected to at once; the connection proves the name there.
 *   An endpoint whose key does not match is dropped from the peer and reported as
 *   {@link Diagnostic.Kind#SPOOFED_NAME}, and stays out while it is announced; the peer is removed only when no
 *   endpoint is left. So an impostor announcing a real peer's name elsewhere cannot make it disappear.</li>
 *   <li>A peer is shown as discovered at its first sighting (a claim); once proven, an endpoint announced later is
 *   shown only after it proves the name too, so an impostor never appears as a proven peer.</li>
 *   <li>Liveness: when that connection closes (keepalive failure, the peer's transport closed), the peer is probed with
 *   one new connection; if that fails it is removed. A peer that signs out tells us and is removed at once. Without
 *   a connection, mDNS expiry removes it (the discovery's worst case).</li>
 *   <li>A peer that signed out is ignored until it announces other endpoints (a new sign-in binds a new port), so a
 *   stale mDNS record cannot bring it back.</li>
 * </ul>
 */
final class NearMe {

	static final Duration SIGN_OUT_NOTICE_TIMEOUT = Duration.ofSeconds(1);

	private final DefaultPeerCollaboration owner;
	private final Object lock = new Object();
	// guarded by lock
	private final Map<PeerName, RemotePeer> peers = new HashMap<>();
	private final Map<PeerName, List<PeerEndPoint>> ignored = new HashMap<>();
	private final Map<PeerName, PeerConnection> connections = new HashMap<>();
	/** Announced endpoints whose key did not match the name announced with them. */
	private final Map<PeerName, Set<PeerEndPoint>> spoofed = new HashMap<>();
	/** Announced endpoints that proved their name on a connection. */
	private final Map<PeerName, Set<PeerEndPoint>> proven = new HashMap<>();
	/** The endpoints each name is announced at now, those that failed to prove it left out. */
	private final Map<PeerName, List<PeerEndPoint>> claims = new HashMap<>();
	/** Announced endpoints being connected to, to prove their name. */
	private final Map<PeerName, Set<PeerEndPoint>> verifying = new HashMap<>();
	private final StateFanout<PeerNearMeEvent> fanout = new StateFanout<>(1_024);
	private DiscoverySession session;
	private Disposable subscriptions = Disposables.composite();
	private Mono<Void> closing = Mono.empty();

	NearMe(DefaultPeerCollaboration owner) {
		this.owner = owner;
	}

	void start(DiscoverySession s) {
		synchronized (lock) {
			session = s;
			subscriptions = Disposables.composite(
					s.peers().subscribe(this::onDiscovery, e -> DefaultPeerCollaboration.log.warn("discovery failed", e)),
					s.diagnostics().subscribe(d -> owner.diagnose(d.kind(), d.message())));
		}
	}

	Flux<PeerNearMeEvent> events() {
		return Flux.defer(() -> {
			synchronized (lock) {
				if (session == null) {
					return Flux.error(notSignedIn());
				}
				return fanout.subscribe(peers.values().stream()
						.map(p -> new PeerNearMeEvent(ChangeType.ADDED, (PeerNearMe) p)).toList());
			}
		});
	}

	Mono<List<PeerNearMe>> current() {
		return Mono.defer(() -> {
			synchronized (lock) {
				if (session == null) {
					return Mono.error(notSignedIn());
				}
				return Mono.just(List.<PeerNearMe>copyOf(peers.values()));
			}
		});
	}

	private static NotSignedInException notSignedIn() {
		return new NotSignedInException("people near me need this endpoint signed in to NEAR_ME");
	}

	private void onDiscovery(DiscoveryEvent e) {
		PeerName name = e.peer().name();
		if (name.equals(owner.name())) {
			return;
		}
		List<PeerEndPoint> toVerify = new ArrayList<>();
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
			// Endpoints that failed to prove this name stay out for as long as they are announced.
			Set<PeerEndPoint> refused = spoofed.get(name);
			if (refused != null) {
				refused.retainAll(eps);
				if (refused.isEmpty()) {
					spoofed.remove(name);
				}
			}
			List<PeerEndPoint> claimed = new ArrayList<>(eps);
			if (refused != null) {
				claimed.removeAll(refused);
			}
			claims.put(name, List.copyOf(claimed));
			Set<PeerEndPoint> proven = this.proven.computeIfAbsent(name, k -> new HashSet<>());
			proven.retainAll(claimed);
			RemotePeer old = peers.get(name);
			List<PeerEndPoint> shown;
			boolean verified;
			if (old != null && old.verified && claimed.stream().anyMatch(proven::contains)) {
				// A proven peer shows new endpoints only once they prove its name too: an impostor announcing the
				// same name elsewhere never appears as this peer.
				shown = claimed.stream().filter(proven::contains).toList();
				verified = true;
			}
			else {
				// A first sighting is shown as discovered, a claim that the first connection checks.
				shown = claimed;
				verified = false;
			}
			Set<PeerEndPoint> checking = verifying.computeIfAbsent(name, k -> new HashSet<>());
			for (PeerEndPoint ep : claimed) {
				if (!proven.contains(ep) && checking.add(ep)) {
					toVerify.add(ep);
				}
			}
			show(name, e.peer().nickname(), shown, verified, old);
		}
		for (PeerEndPoint ep : toVerify) {
			verify(name, ep);
		}
	}

	/** Shows the peer with these endpoints, or removes it if there are none. Called under lock. */
	private void show(PeerName name, String nickname, List<PeerEndPoint> endPoints, boolean verified,
			RemotePeer old) {
		if (endPoints.isEmpty()) {
			remove(name);
			return;
		}
		if (old == null) {
			RemotePeer p = new RemotePeer(owner, name, nickname, endPoints);
			p.verified = verified;
			peers.put(name, p);
			fanout.emit(new PeerNearMeEvent(ChangeType.ADDED, p));
			return;
		}
		RemotePeer p = old.with(nickname, endPoints);
		p.verified = verified;
		if (p.equals(old)) {
			old.verified = verified;
			return;
		}
		peers.put(name, p);
		fanout.emit(new PeerNearMeEvent(ChangeType.UPDATED, p));
	}

	/** Connects to one announced endpoint: it either proves the name and is shown, or is dropped and reported. */
	private void verify(PeerName name, PeerEndPoint ep) {
		Mono.defer(() -> owner.binding().connect(name, ep.address())).subscribe(c -> {
			boolean watchIt;
			synchronized (lock) {
				Set<PeerEndPoint> checking = verifying.get(name);
				if (checking != null) {
					checking.remove(ep);
				}
				RemotePeer p = peers.get(name);
				Set<PeerEndPoint> proven = this.proven.get(name);
				List<PeerEndPoint> claim = claims.get(name);
				if (p == null || proven == null || claim == null || !claim.contains(ep) || session == null) {
					return;
				}
				proven.add(ep);
				if (!p.endPoints().contains(ep)) {
					List<PeerEndPoint> endPoints = new ArrayList<>(p.endPoints());
					endPoints.add(ep);
					show(name, p.nickname(), endPoints, true, p);
				}
				else {
					p.verified = true;
				}
				watchIt = !connections.containsKey(name);
			}
			if (watchIt) {
				watch(name, c);
			}
		}, err -> {
			boolean report = false;
			synchronized (lock) {
				Set<PeerEndPoint> checking = verifying.get(name);
				if (checking != null) {
					checking.remove(ep);
				}
				if (err instanceof PeerIdentityMismatchException && session != null) {
					report = true;
					spoofed.computeIfAbsent(name, k -> new HashSet<>()).add(ep);
					Set<PeerEndPoint> proven = this.proven.get(name);
					if (proven != null) {
						proven.remove(ep);
					}
					RemotePeer p = peers.get(name);
					if (p != null && p.endPoints().contains(ep)) {
						List<PeerEndPoint> endPoints = new ArrayList<>(p.endPoints());
						endPoints.remove(ep);
						show(name, p.nickname(), endPoints, p.verified, p);
					}
				}
			}
			if (report) {
				owner.diagnose(Diagnostic.Kind.SPOOFED_NAME, "a peer near me at " + ep + " announced the name " + name
						+ " but could not prove it (" + err.getMessage() + "); that endpoint was dropped");
			}
			else if (!(err instanceof PeerUnreachableException || err instanceof NotSignedInException
					|| err instanceof PeerIdentityMismatchException)) {
				DefaultPeerCollaboration.log.debug("verifying {} at {} failed", name, ep, err);
			}
		});
	}

	/** Forgets what was learnt about the endpoints of a name. Called under lock. */
	private void forget(PeerName name) {
		spoofed.remove(name);
		proven.remove(name);
		verifying.remove(name);
		claims.remove(name);
	}

	private void watch(PeerName name, PeerConnection c) {
		synchronized (lock) {
			if (!peers.containsKey(name)) {
				return;
			}
			connections.put(name, c);
		}
		c.onClose().subscribe(null, null, () -> {
			RemotePeer p;
			synchronized (lock) {
				connections.remove(name, c);
				p = peers.get(name);
			}
			if (p == null || owner.signInScope() == io.peercollab.PeerScope.NONE) {
				return;
			}
			// The connection went away: either idle (the peer is fine) or the peer vanished. One probe tells.
			p.connection().subscribe(again -> watch(name, again), err -> {
				synchronized (lock) {
					remove(name);
				}
				owner.diagnose(Diagnostic.Kind.CONNECTION_LOST, name + " stopped answering; removed from people near me");
			});
		});
	}

	/** Called under lock. */
	private void remove(PeerName name) {
		RemotePeer p = peers.remove(name);
		connections.remove(name);
		if (p != null) {
			fanout.emit(new PeerNearMeEvent(ChangeType.REMOVED, p));
		}
	}

	void peerSignedOut(PeerName name) {
		synchronized (lock) {
			RemotePeer p = peers.get(name);
			if (p != null) {
				ignored.put(name, p.endPoints());
				remove(name);
			}
		}
	}

	Mono<Void> updateNickname(String nickname) {
		DiscoverySession s;
		synchronized (lock) {
			s = session;
		}
		return s == null ? Mono.empty() : s.updateNickname(nickname);
	}

	/**
	 * Tells every connected neighbour that this endpoint signs out (waiting at most a second for them), then stops
	 * discovery. Closing discovery blocks in jmDNS for seconds, so it runs in the background; {@link #awaitClosed()}
	 * waits for it.
	 */
	Mono<Void> stop() {
		return Mono.defer(() -> {
			List<PeerConnection> open;
			DiscoverySession s;
			synchronized (lock) {
				open = new ArrayList<>(connections.values());
				s = session;
				session = null;
				subscriptions.dispose();
				peers.clear();
				connections.clear();
				ignored.clear();
				spoofed.clear();
				proven.clear();
				verifying.clear();
				claims.clear();
				fanout.complete();
			}
			Mono<Void> notices = Flux.fromIterable(open)
					.flatMap(c -> c.signedOut().timeout(SIGN_OUT_NOTICE_TIMEOUT).onErrorResume(e -> Mono.empty()))
					.then();
			return notices.then(Mono.fromRunnable(() -> {
				if (s != null) {
					Mono<Void> closed = s.close().onErrorResume(e -> {
						DefaultPeerCollaboration.log.warn("closing discovery failed", e);
						return Mono.empty();
					}).cache();
					synchronized (lock) {
						closing = closing.then(closed).cache();
					}
					closed.subscribe();
				}
			}));
		});
	}

	Mono<Void> awaitClosed() {
		return Mono.defer(() -> {
			synchronized (lock) {
				return closing;
			}
		});
	}
}
