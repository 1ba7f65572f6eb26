// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.peer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import io.peercollab.ApplicationChange;
import io.peercollab.ChangeType;
import io.peercollab.EndPointChange;
import io.peercollab.ObjectChange;
import io.peercollab.PeerApplication;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerEvent;
import io.peercollab.PeerObject;
import io.peercollab.PresenceChange;
import io.peercollab.PresenceInfo;
import io.peercollab.RemoteEndPoint;
import io.peercollab.contact.PeerContact;
import io.peercollab.identity.PeerName;
import io.peercollab.internal.card.ContactCardCodec;
import io.peercollab.internal.flow.SerialSink;
import io.peercollab.internal.flow.StateFanout;
import io.peercollab.spi.PeerConnection;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

/**
 * The watches behind {@link io.peercollab.Peer#endPointChanges()} and, for a contact, {@link io.peercollab.Peer#events()}
 * (so also the contact manager's presences and item changes): one per peer (the same name reached the same way),
 * shared by every local subscriber and reference-counted. A watch looks for the peer's endpoints when its first
 * subscriber arrives, every {@link #RESCAN}, {@link RemotePeer#FIRST_BACKOFF} after one of them left (it may be back
 * already), and when asked ({@link #rescan}); an endpoint learnt elsewhere (a peer near me that proved the name, an
 * address a resolution returned: {@link #learnt}) is reached at once. It follows each endpoint it reaches over one
 * remote stream, and drops it when that stream ends or fails, or sends no {@code Synced} within
 * {@link #ESTABLISH_TIMEOUT}, on the endpoint's timer (tests drive it in virtual time). No subscriber code runs under
 * a watch's lock ({@link StateFanout}).
 *
 * <p>{@link #merged} folds a contact's endpoints into one stream of {@link PeerEvent}s, as one endpoint's stream would
 * be (the state as {@code ADDED}, {@code Synced}, then changes), which {@link SharedFollows} shares and mirrors like
 * any remote stream: see {@link MergedState}.
 */
final class EndPointWatches {

	/** How often a watch looks for endpoints that appeared. */
	static final Duration RESCAN = Duration.ofSeconds(30);
	/** How long an endpoint that was reached may take to send its state before it is dropped, by default. */
	static final Duration ESTABLISH_TIMEOUT = Duration.ofSeconds(10);
	/** How many changes one subscriber may fall behind. */
	static final int BUFFER = 1_024;

	private final Map<SharedFollows.Key, Watch> watches = new ConcurrentHashMap<>();
	private final Scheduler timer;
	private final Duration establishTimeout;
	/**
	 * The versions of the merged streams' events: one counter for every contact, so that a merged stream that starts
	 * again never reuses a version its mirror saw.
	 */
	private final AtomicLong versions = new AtomicLong();

	EndPointWatches(Scheduler timer) {
		this(timer, ESTABLISH_TIMEOUT);
	}

	EndPointWatches(Scheduler timer, Duration establishTimeout) {
		this.timer = timer;
		this.establishTimeout = establishTimeout;
	}

	/** What a watch tells its subscribers. */
	sealed interface Tick permits Change, Ended {
	}

	/**
	 * A change among the endpoints.
	 *
	 * @param synced whether that endpoint's state arrived ({@code Synced}) by the time of the change
	 */
	record Change(EndPointChange change, boolean synced) implements Tick {
	}

	/** The merged streams end with this error (this endpoint signed out, or an endpoint refused it for good). */
	record Ended(Throwable error) implements Tick {
	}

	/** @return the endpoint changes of {@code peer}, through the watch shared with its other subscribers */
	Flux<EndPointChange> changes(SharedFollows.Key key, RemotePeer peer) {
		return ticks(key, peer).handle((t, sink) -> {
			if (t instanceof Change c) {
				sink.next(c.change());
			}
		});
	}

	private Flux<Tick> ticks(SharedFollows.Key key, RemotePeer peer) {
		return Flux.defer(() -> {
			for (;;) {
				Watch w = watches.computeIfAbsent(key, k -> new Watch(k, peer));
				if (w.acquire()) {
					return w.fanout.stream(w::snapshot).doFinally(s -> w.release());
				}
				watches.remove(key, w);
			}
		});
	}

	/**
	 * The events of a contact across all of its endpoints, through the watch shared with the other subscribers: see
	 * {@link MergedState}. Fails at once with {@link io.peercollab.NotSignedInException} while signed out.
	 */
	Flux<PeerEvent> merged(SharedFollows.Key key, RemotePeer peer) {
		return Flux.defer(() -> {
			peer.checkSignedIn();
			MergedState state = new MergedState(versions);
			return ticks(key, peer).concatMap(t -> t instanceof Ended e ? Flux.error(e.error())
					: Flux.fromIterable(state.on((Change) t)));
		});
	}

	/** This endpoint signed out: every merged stream ends with {@link io.peercollab.NotSignedInException}. */
	void signedOut() {
		watches.values().forEach(w -> w.end(new io.peercollab.NotSignedInException(
				"this endpoint signed out: " + w.peer.name() + " is no longer followed")));
	}

	/** @return whether the endpoints of a contact named {@code name} are watched */
	boolean watching(PeerName name) {
		if (watches.isEmpty()) {
			return false; // asked at every read of a contact: no iterator when nothing is watched
		}
		for (SharedFollows.Key k : watches.keySet()) {
			if (k.name().equals(name) && k.where() instanceof PeerContact) {
				return true;
			}
		}
		return false;
	}

	/**
	 * An endpoint of {@code name} was learnt elsewhere (near me, from a resolution): every watch of a contact with
	 * that name that does not follow an endpoint at that address yet reaches it now, instead of at its next rescan.
	 */
	void learnt(PeerName name, List<PeerEndPoint> endPoints) {
		watches.forEach((k, w) -> {
			if (k.name().equals(name) && k.where() instanceof PeerContact) {
				for (PeerEndPoint ep : endPoints) {
					w.learnt(ep);
				}
			}
		});
	}

	/** Makes every watch of {@code name} look for its endpoints now. */
	void rescan(PeerName name) {
		watches.forEach((k, w) -> {
			if (k.name().equals(name)) {
				w.rescan.next(Boolean.TRUE);
			}
		});
	}

	/** One peer's endpoints and their subscribers. */
	final class Watch {

		private final SharedFollows.Key key;
		private final RemotePeer peer;
		final StateFanout<Tick> fanout = new StateFanout<>(this, BUFFER);
		/** Rescan requests, from any thread: one racing with another is queued, not lost. */
		final SerialSink<Boolean> rescan = new SerialSink<>(Sinks.many().multicast().directBestEffort());
		private final Disposable.Composite running = Disposables.composite();
		// guarded by this
		private final Map<String, RemoteEndPoint> endPoints = new LinkedHashMap<>();
		/** The instances whose state arrived. */
		private final Set<String> synced = new HashSet<>();
		/** The addresses being reached because they were learnt ({@link #learnt}). */
		private final Set<io.peercollab.PeerAddress> reaching = new HashSet<>();
		private int refs;
		private boolean closed;

		Watch(SharedFollows.Key key, RemotePeer peer) {
			this.key = key;
			this.peer = peer;
		}

		/** @return false if the watch closed (its last subscriber left): the caller makes a new one */
		boolean acquire() {
			synchronized (this) {
				if (closed) {
					return false;
				}
				if (refs++ > 0) {
					return true;
				}
			}
			running.add(Flux.merge(Flux.interval(Duration.ZERO, RESCAN, timer), rescan.asFlux())
					.onBackpressureDrop()
					.concatMap(tick -> {
						if (!peer.signedIn()) {
							end(new io.peercollab.NotSignedInException(
									"this endpoint signed out: " + peer.name() + " is no longer followed"));
							return Mono.empty();
						}
						return peer.reachAll().doOnNext(this::found).then();
					}, 1)
					.subscribe());
			return true;
		}

		/** Tells the merged streams they end with {@code error}; the endpoint changes go on. */
		private void end(Throwable error) {
			try {
				synchronized (this) {
					if (!closed) {
						fanout.emit(new Ended(error));
					}
				}
			}
			finally {
				fanout.drain();
			}
		}

		/** Reaches {@code ep} now unless an endpoint is followed, or being reached, at its address. */
		void learnt(PeerEndPoint ep) {
			synchronized (this) {
				if (closed || reaching.contains(ep.address())) {
					return;
				}
				for (RemoteEndPoint e : endPoints.values()) {
					if (e.endPoint().address().equals(ep.address())) {
						return;
					}
				}
				reaching.add(ep.address());
			}
			running.add(peer.reachAt(ep).doFinally(s -> {
				synchronized (this) {
					reaching.remove(ep.address());
				}
			}).subscribe(this::found, e -> {
				// not reachable there (yet): the rescans go on
			}));
		}

		void release() {
			synchronized (this) {
				if (--refs > 0) {
					return;
				}
				closed = true;
				endPoints.clear();
				synced.clear();
			}
			watches.remove(key, this);
			running.dispose();
		}

		List<Tick> snapshot() {
			List<Tick> out = new ArrayList<>(endPoints.size());
			for (RemoteEndPoint e : endPoints.values()) {
				out.add(new Change(new EndPointChange(ChangeType.ADDED, e), synced.contains(e.instance())));
			}
			return out;
		}

		/** A connection proved the peer's key: follow its endpoint unless it is followed already. */
		private void found(PeerConnection c) {
			String instance = c.remoteInstance();
			RemoteEndPoint first = new RemoteEndPoint(instance, PeerEndPoint.of(c.remoteAddress()),
					peer.announcedName(c.remoteAddress()), "",
					PresenceInfo.OFFLINE, List.of(), List.of());
			try {
				synchronized (this) {
					if (closed || endPoints.containsKey(instance)) {
						return;
					}
					endPoints.put(instance, first);
					fanout.emit(new Change(new EndPointChange(ChangeType.ADDED, first), false));
				}
			}
			finally {
				fanout.drain();
			}
			Followed f = new Followed(instance);
			f.card = c.card().map(ContactCardCodec::fromXml).subscribe(f::card, e -> {
				// a card that cannot be read leaves the names unknown; the endpoint stays
			});
			f.events = c.events(-1)
					.mergeWith(Mono.delay(establishTimeout, timer).then(Mono.defer(() -> f.synced ? Mono.empty()
							: Mono.error(new java.util.concurrent.TimeoutException(peer.name() + " at " + instance
									+ " sent no state within " + establishTimeout.toMillis() + " ms")))))
					.subscribe(f::event, f::left, () -> f.left(null));
			running.add(f.card);
			if (!running.add(f.events)) {
				f.card.dispose();
			}
		}

		/** What one endpoint's remote stream says, applied to its entry. */
		private final class Followed {

			private final String instance;
			volatile boolean synced;
			volatile Disposable card;
			volatile Disposable events;
			// the stream's pipeline only
			private PresenceInfo presence = PresenceInfo.OFFLINE;
			private final Map<UUID, PeerApplication> apps = new LinkedHashMap<>();
			private final Map<UUID, PeerObject> objects = new LinkedHashMap<>();
			/** {@link #apps} and {@link #objects} as immutable lists, or {@code null} once they changed. */
			private List<PeerApplication> appList;
			private List<PeerObject> objectList;

			Followed(String instance) {
				this.instance = instance;
			}

			void event(PeerEvent e) {
				if (e instanceof PresenceChange p) {
					presence = p.type() == ChangeType.REMOVED ? PresenceInfo.OFFLINE : p.presence();
				}
				else if (e instanceof ApplicationChange || e instanceof ObjectChange) {
					PeerEvents.applyItem(e, apps, objects);
					appList = null;
					objectList = null;
				}
				boolean first = false;
				if (e instanceof PeerEvent.Synced && !synced) {
					synced = true;
					first = true;
				}
				if (synced) {
					PresenceInfo p = presence;
					// the lists as last copied, unless an item changed since: a presence change copies nothing
					List<PeerApplication> a = appList == null ? appList = List.copyOf(apps.values()) : appList;
					List<PeerObject> o = objectList == null ? objectList = List.copyOf(objects.values()) : objectList;
					update(old -> new RemoteEndPoint(instance, old.endPoint(), old.name(), old.nickname(), p, a, o),
							first);
				}
			}

			void card(PeerContact card) {
				update(old -> new RemoteEndPoint(instance, old.endPoint(), old.name(), card.nickname(), old.presence(),
						old.applications(), old.objects()), false);
			}

			/**
			 * The endpoint's stream ended ({@code error} null) or failed: it leaves. If this endpoint signed out, or the
			 * endpoint refused to be followed, the merged streams end; else, if it had sent its state, the peer is looked
			 * for again shortly, so that an endpoint whose connection was cut is back within about
			 * {@link RemotePeer#FIRST_BACKOFF}.
			 */
			void left(Throwable error) {
				Disposable e = events;
				if (e != null) {
					running.remove(e);
				}
				Disposable c = card;
				if (c != null) {
					running.remove(c);
					c.dispose();
				}
				try {
					synchronized (Watch.this) {
						RemoteEndPoint last = endPoints.remove(instance);
						boolean wasLive = Watch.this.synced.remove(instance);
						if (last == null || closed) {
							return;
						}
						// the merged streams end first: what they end with is why, not the endpoint's leaving
						if (!peer.signedIn()) {
							fanout.emit(new Ended(new io.peercollab.NotSignedInException(
									"this endpoint signed out: " + peer.name() + " is no longer followed")));
						}
						else if (error != null && !RemotePeer.retryable(error)) {
							fanout.emit(new Ended(error));
						}
						fanout.emit(new Change(new EndPointChange(ChangeType.REMOVED, last), false));
						if (peer.signedIn() && (error == null || RemotePeer.retryable(error)) && wasLive) {
							// an endpoint that never sent its state is not dialled again before the next rescan
							running.add(Mono.delay(RemotePeer.FIRST_BACKOFF, timer)
									.subscribe(x -> rescan.next(Boolean.TRUE)));
						}
					}
				}
				finally {
					fanout.drain();
				}
			}

			/** Applies {@code change}; emits it if it changed something, or if the endpoint's state just arrived. */
			private void update(java.util.function.UnaryOperator<RemoteEndPoint> change, boolean nowSynced) {
				try {
					synchronized (Watch.this) {
						RemoteEndPoint old = endPoints.get(instance);
						if (old == null || closed) {
							return;
						}
						RemoteEndPoint now = change.apply(old);
						if (nowSynced) {
							Watch.this.synced.add(instance);
						}
						if (nowSynced || !now.equals(old)) {
							endPoints.put(instance, now);
							fanout.emit(new Change(new EndPointChange(ChangeType.UPDATED, now),
									Watch.this.synced.contains(instance)));
						}
					}
				}
				finally {
					fanout.drain();
				}
			}
		}
	}
}
