// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.peercollab.ApplicationChange;
import io.peercollab.ChangeType;
import io.peercollab.LimitExceededException;
import io.peercollab.ObjectChange;
import io.peercollab.PeerApplication;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerEvent;
import io.peercollab.PeerObject;
import io.peercollab.PresenceChange;
import io.peercollab.PresenceInfo;
import org.reactivestreams.Subscription;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One follow ({@code peercollab.v1.events}) that moves from one connection to another mid-stream with no gap and no
 * repeat, as a relayed connection's streams move to a hole-punched one.
 *
 * <p>It keeps what it delivered (presence, applications, objects: what the follower holds) and treats every stream it opens the same way: the stream's snapshot is collected until its
 * {@code synced} and compared with what was delivered, and only the difference is passed on, at the snapshot's version
 * ({@code ADDED}, {@code UPDATED}, {@code REMOVED}); then the stream's changes pass as they come. On a move, the stream
 * on the old connection is cancelled <em>before</em> the new one is requested, so every change the old stream
 * delivered is older than the new snapshot; the new stream asks only for what changed after the last {@code synced}
 * if nothing was delivered since (the server then answers {@code synced} alone when nothing changed), else for a whole
 * snapshot. The follower therefore sees each change once, in order of version: a change made while switching arrives
 * as part of the difference.
 *
 * <p>The first stream always asks for a whole snapshot (afterVersion -1), so that the state the follower holds is
 * known here; if the follower asked after the snapshot's very version, it gets {@code synced} alone, exactly what the
 * server would have sent it. The follower sees one {@code synced}, the first; a move before it simply starts the
 * snapshot again on the new connection.
 *
 * <p>What it keeps is bounded as a server's state is: at most {@link PeerCollaboration#MAX_APPLICATIONS}
 * applications and {@link PeerCollaboration#MAX_OBJECTS} objects, delivered or in a snapshot; a stream that shows more
 * fails the follow with {@link LimitExceededException} naming the field and the limit.
 *
 * <p>If the new connection's stream fails before its {@code synced}, the follow goes back to the connection it was on
 * (kept open meanwhile by {@link Route#hold}) and the route is told why ({@link Route#notMoved}); the follower sees
 * nothing of it. A failure after the new stream's {@code synced} ends the follow, as any follow's failure does.
 *
 * @param <C> the connections
 */
final class MovableFollow<C> {

	/** The connections a movable follow travels on. */
	interface Route<C> {

		/** @return the {@code events} stream on {@code on} itself, after {@code afterVersion} */
		Flux<PeerEvent> events(C on, long afterVersion);

		/**
		 * Keeps {@code on} open while a follow tries another connection, so that it can come back.
		 *
		 * @return what lets it close again (run once), or {@code null} if it is closed already
		 */
		Runnable hold(C on);

		/** Says that the follow could not move from {@code from} to {@code to}, and stays on {@code from}. */
		void notMoved(C from, C to, Throwable why);
	}

	private final long after;
	private final Route<C> route;
	/** What the events come from, for errors: {@code peercollab.v1.events response from <peer>}. */
	private final String what;

	/** The connection whose stream reached its {@code synced} last: where the follow falls back to. */
	private volatile C current;
	/**
	 * The version a new stream may ask to follow after: that of the last {@code synced} when nothing was delivered
	 * after it (the delivered state is then that version's, whole), else -1 (a whole snapshot).
	 */
	private volatile long resume = -1;
	/** The stream being read now, cancelled before another one is requested. */
	private final AtomicReference<Subscription> reading = new AtomicReference<>();
	private final AtomicInteger generations = new AtomicInteger();

	// serialized (the switch's output): what was delivered
	private boolean synced;
	private PresenceInfo presence;
	private final Map<UUID, PeerApplication> applications = new LinkedHashMap<>();
	private final Map<UUID, PeerObject> objects = new LinkedHashMap<>();
	// serialized: the snapshot of the stream being read, until its synced
	private int collecting = -1;
	private int snapshotEvents;
	private PresenceInfo snapPresence;
	private final Map<UUID, PeerApplication> snapApplications = new LinkedHashMap<>();
	private final Map<UUID, PeerObject> snapObjects = new LinkedHashMap<>();

	/** An event of one stream (generation), and the version that stream asked to follow after. */
	private record Tagged(int generation, long from, PeerEvent event) {
	}

	/** A connection to follow on, and the hold on the one followed until then. */
	private record Step<C>(C connection, Runnable release) {
	}

	/**
	 * @param after the version the follower asked to follow after, or -1
	 * @param route the connections' streams
	 * @param what what the events come from, for errors
	 */
	MovableFollow(long after, Route<C> route, String what) {
		this.after = after;
		this.route = route;
		this.what = what;
	}

	/**
	 * @param first the connection to follow on
	 * @param moves each connection the follow moves to, as it is punched
	 * @return the events, each once and in order of version, across the moves
	 */
	Flux<PeerEvent> follow(C first, Flux<C> moves) {
		current = first;
		// the hold is taken as the move is announced, before the old stream is cancelled (which could close it)
		Flux<Step<C>> steps = Flux.concat(Mono.just(new Step<>(first, null)),
				moves.filter(c -> c != current).map(c -> new Step<>(c, route.hold(current))));
		// a stream that ends (the server closed) ends the follow, whatever moves may still come
		return steps.switchMap(this::onto).takeWhile(t -> t != ENDED).concatMapIterable(this::accept);
	}

	/** Put after the events of a stream that completed. */
	private static final Tagged ENDED = new Tagged(-1, -1, new PeerEvent.Synced(-1));

	/** The stream of one step: on its connection, or back on the one before if that fails before its synced. */
	private Flux<Tagged> onto(Step<C> step) {
		C from = current;
		C to = step.connection();
		if (step.release() == null && to != from) {
			// the connection followed until now is closed: nothing to fall back to, the new one is all there is
			return read(to, () -> current = to);
		}
		AtomicBoolean released = new AtomicBoolean();
		Runnable release = () -> {
			if (step.release() != null && released.compareAndSet(false, true)) {
				step.release().run();
			}
		};
		AtomicBoolean syncedThere = new AtomicBoolean();
		Flux<Tagged> there = read(to, () -> {
			syncedThere.set(true);
			current = to;
			// the old connection may close now: nothing of this follow travels there any more
			release.run();
		});
		if (to == from) {
			return there;
		}
		return there.onErrorResume(e -> !syncedThere.get(), e -> {
			route.notMoved(from, to, e);
			return read(from, () -> { });
		}).doFinally(s -> release.run());
	}

	/**
	 * Cancels the stream read until now, then opens one on {@code on}; {@code onSynced} runs at its synced, before
	 * the synced is taken in; {@link #ENDED} follows the stream's events if it completes.
	 */
	private Flux<Tagged> read(C on, Runnable onSynced) {
		return Flux.defer(() -> {
			Subscription before = reading.getAndSet(null);
			if (before != null) {
				before.cancel();
			}
			int g = generations.incrementAndGet();
			long from = g == 1 ? -1 : resume;
			return route.events(on, from).doOnSubscribe(reading::set).doOnNext(e -> {
				if (e instanceof PeerEvent.Synced) {
					onSynced.run();
				}
			}).map(e -> new Tagged(g, from, e)).concatWith(Mono.just(ENDED));
		});
	}

	/** Serialized: what to deliver of one event. */
	private List<PeerEvent> accept(Tagged t) {
		PeerEvent e = t.event();
		if (t.generation() != collecting && t.generation() > done) {
			// the first event of a stream: its snapshot (or only its synced) comes first; a stream that had not
			// synced when it was left is forgotten
			collecting = t.generation();
			snapshotEvents = 0;
			snapPresence = null;
			snapApplications.clear();
			snapObjects.clear();
		}
		if (t.generation() == collecting) {
			if (!(e instanceof PeerEvent.Synced s)) {
				snapshotEvents++;
				snapshot(e);
				return List.of();
			}
			done = collecting;
			collecting = -1;
			List<PeerEvent> out;
			if (snapshotEvents == 0 && s.version() == t.from()) {
				// only synced, at the version followed after: nothing changed since the state delivered
				out = new ArrayList<>(1);
			}
			else if (!synced && after == s.version()) {
				// the follower holds this very version: it gets synced alone, as the server would have sent it
				take();
				out = new ArrayList<>(1);
			}
			else {
				out = diff(s.version());
			}
			if (!synced) {
				synced = true;
				out.add(s);
			}
			resume = s.version();
			return out;
		}
		// a change after the stream's synced
		resume = -1;
		apply(e);
		return List.of(e);
	}

	/** The last stream whose synced was taken in. */
	private int done;

	private void snapshot(PeerEvent e) {
		if (e instanceof PresenceChange p) {
			snapPresence = p.type() == ChangeType.REMOVED ? null : p.presence();
		}
		else if (e instanceof ApplicationChange a) {
			put(snapApplications, a.application().id(), a.type() == ChangeType.REMOVED ? null : a.application());
		}
		else if (e instanceof ObjectChange o) {
			put(snapObjects, o.object().id(), o.type() == ChangeType.REMOVED ? null : o.object());
		}
	}

	private void apply(PeerEvent e) {
		if (e instanceof PresenceChange p) {
			presence = p.type() == ChangeType.REMOVED ? null : p.presence();
		}
		else if (e instanceof ApplicationChange a) {
			put(applications, a.application().id(), a.type() == ChangeType.REMOVED ? null : a.application());
		}
		else if (e instanceof ObjectChange o) {
			put(objects, o.object().id(), o.type() == ChangeType.REMOVED ? null : o.object());
		}
	}

	/**
	 * @throws LimitExceededException if {@code map} would hold more than {@code limit}: a server shows at most
	 * {@link PeerCollaboration#MAX_APPLICATIONS} applications and {@link PeerCollaboration#MAX_OBJECTS} objects, so
	 * that is all a follow keeps of a stranger's stream
	 */
	private <V> void put(Map<UUID, V> map, UUID id, V value) {
		if (value == null) {
			map.remove(id);
		}
		else if (map.put(id, value) == null) {
			boolean apps = map == applications || map == snapApplications;
			int limit = apps ? PeerCollaboration.MAX_APPLICATIONS : PeerCollaboration.MAX_OBJECTS;
			if (map.size() > limit) {
				throw new LimitExceededException("field '" + (apps ? "application" : "object") + "' of the "
						+ what + ": more than " + limit + " " + (apps ? "applications" : "objects")
						+ " at once (" + (apps ? "MAX_APPLICATIONS" : "MAX_OBJECTS") + ")");
			}
		}
	}

	/** @return the changes from what was delivered to the snapshot, at its version; the snapshot becomes the state */
	private List<PeerEvent> diff(long version) {
		List<PeerEvent> out = new ArrayList<>();
		if (!Objects.equals(presence, snapPresence)) {
			out.add(snapPresence == null ? new PresenceChange(ChangeType.REMOVED, presence, version)
					: new PresenceChange(presence == null ? ChangeType.ADDED : ChangeType.UPDATED, snapPresence,
							version));
		}
		diff(applications, snapApplications, out, (type, a) -> new ApplicationChange(type, a, version));
		diff(objects, snapObjects, out, (type, o) -> new ObjectChange(type, o, version));
		take();
		return out;
	}

	private static <V> void diff(Map<UUID, V> had, Map<UUID, V> now, List<PeerEvent> out,
			java.util.function.BiFunction<ChangeType, V, PeerEvent> make) {
		for (Map.Entry<UUID, V> n : now.entrySet()) {
			V before = had.get(n.getKey());
			if (!n.getValue().equals(before)) {
				out.add(make.apply(before == null ? ChangeType.ADDED : ChangeType.UPDATED, n.getValue()));
			}
		}
		for (Map.Entry<UUID, V> h : had.entrySet()) {
			if (!now.containsKey(h.getKey())) {
				out.add(make.apply(ChangeType.REMOVED, h.getValue()));
			}
		}
	}

	/** The snapshot becomes what was delivered. */
	private void take() {
		presence = snapPresence;
		applications.clear();
		applications.putAll(snapApplications);
		objects.clear();
		objects.putAll(snapObjects);
		snapPresence = null;
		snapApplications.clear();
		snapObjects.clear();
	}
}
