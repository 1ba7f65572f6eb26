// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.state;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import io.peercollab.AlreadyExistsException;
import io.peercollab.ApplicationChange;
import io.peercollab.ChangeType;
import io.peercollab.LimitExceededException;
import io.peercollab.NotFoundException;
import io.peercollab.NotSignedInException;
import io.peercollab.ObjectChange;
import io.peercollab.PeerApplication;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerObject;
import io.peercollab.PeerScope;
import io.peercollab.PresenceChange;
import io.peercollab.PresenceInfo;
import io.peercollab.identity.PeerName;
import io.peercollab.internal.flow.EmissionQueue;
import io.peercollab.internal.flow.StateStream;
import reactor.core.publisher.Flux;

/**
 * What this endpoint publishes (sign-in scope, presence, applications, objects), versioned, and the local streams of
 * it. Every change makes a new immutable {@link Snapshot} under {@link #lock}, and queues its emission on the
 * {@link EmissionQueue} in the same step, so that emissions run in the order of the changes; they run after the lock is
 * released: no subscriber code runs under it. {@link Listener}s (the followers) hear each change on the same queue,
 * with the snapshot it made.
 */
public final class PublishedState {

	/** Changes one local subscriber may fall behind on the application and object streams. */
	static final int LOCAL_BUFFER = 1_024;

	/**
	 * The published state at one version: immutable, so a room can read it without a lock.
	 *
	 * @param scope the scopes signed in to
	 * @param presence the presence; {@code OFFLINE} while signed out
	 * @param applications the registered applications by id, in registration order
	 * @param objects the published objects by id, in publication order
	 * @param version the version of this state
	 */
	public record Snapshot(PeerScope scope, PresenceInfo presence, Map<UUID, PeerApplication> applications,
			Map<UUID, PeerObject> objects, long version) {

		/**
		 * @return whether a caller ({@code allowedContact} or not) sees, and so may be invited into, an item
		 * published with {@code itemScope}
		 */
		public boolean visible(PeerScope itemScope, boolean allowedContact) {
			if (itemScope == PeerScope.NONE) {
				return false;
			}
			if (itemScope.includesNearMe() && scope.includesNearMe()) {
				return true;
			}
			return allowedContact && itemScope.includesInternet() && scope.includesInternet();
		}

		/** @return the presence {@code allowedContact} is shown, or {@code null} when it is shown none */
		public PresenceInfo visiblePresence(boolean allowedContact, Disclosure disclosure) {
			return scope != PeerScope.NONE && disclosure.presence(Disclosure.audience(allowedContact, scope)) ? presence
					: null;
		}

		Snapshot with(PeerScope s, PresenceInfo p, Map<UUID, PeerObject> o, long v) {
			return new Snapshot(s, p, applications, o, v);
		}
	}

	/** What a change touched, for listeners that diff. */
	sealed interface Change {
		/** The presence changed. */
		record Presence() implements Change {
		}

		/** One application was registered or removed. */
		record Application(UUID id) implements Change {
		}

		/** One object was set or removed. */
		record SharedObject(UUID id) implements Change {
		}

		/** The scope changed: anything may look different. */
		record Scope() implements Change {
		}

		/** What {@code caller} may see changed (its contact entry). */
		record Caller(PeerName caller) implements Change {
		}

		Change PRESENCE = new Presence();
		Change SCOPE = new Scope();
	}

	/** Hears every change on the emission queue, after the local streams. */
	interface Listener {
		/** @param state the state the change made */
		void changed(Snapshot state, Change change);

		/** The endpoint closes. */
		void closed();
	}

	private final Object lock = new Object();
	private final EmissionQueue emissions = new EmissionQueue();
	private final StateStream<PresenceChange> presence = new StateStream<>(emissions, StateStream.Overflow.LATEST, 1);
	private final StateStream<ApplicationChange> applications = new StateStream<>(emissions,
			StateStream.Overflow.ERROR, LOCAL_BUFFER);
	private final StateStream<ObjectChange> objects = new StateStream<>(emissions, StateStream.Overflow.ERROR,
			LOCAL_BUFFER);
	private final StateStream<PeerScope> scopes = new StateStream<>(emissions, StateStream.Overflow.LATEST, 1);
	private final List<Listener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

	/** Applications being stored, by id; guarded by {@link #lock}. */
	private final Map<UUID, PeerApplication> reserved = new java.util.HashMap<>();
	/** The newest state; written under {@link #lock}. */
	private volatile Snapshot state;
	/** The state as of the last emission that ran; touched on the emission queue only. */
	private Snapshot emitted;

	public PublishedState() {
		// Starts at the creation time in microseconds: a restarted endpoint never reuses a former run's versions.
		long start = TimeUnit.MILLISECONDS.toMicros(System.currentTimeMillis());
		state = new Snapshot(PeerScope.NONE, PresenceInfo.OFFLINE, Map.of(), Map.of(), start);
		emitted = state;
	}

	/** @return the newest state */
	public Snapshot current() {
		return state;
	}

	/**
	 * @return the state as of the last emission; call on the emission queue only, where it is what every subscriber
	 * has been sent so far
	 */
	Snapshot emitted() {
		return emitted;
	}

	/** @return the queue on which every emission of this state runs, in order */
	EmissionQueue emissions() {
		return emissions;
	}

	void addListener(Listener listener) {
		listeners.add(listener);
	}

	// ----- changes ----------------------------------------------------------------------------------------------------

	/** The endpoint signed in or out: {@code after} is the new scope. */
	public void scopeChanged(PeerScope after) {
		synchronized (lock) {
			Snapshot before = state;
			long v = before.version() + 1;
			List<Runnable> local = new ArrayList<>(2);
			Snapshot next;
			if (before.scope() == PeerScope.NONE && after != PeerScope.NONE) {
				next = before.with(after, PresenceInfo.ONLINE, before.objects(), v);
				PresenceChange added = new PresenceChange(ChangeType.ADDED, PresenceInfo.ONLINE, v);
				local.add(() -> presence.emit(added));
			}
			else if (after == PeerScope.NONE) {
				next = before.with(after, PresenceInfo.OFFLINE, Map.of(), v);
				PresenceChange removed = new PresenceChange(ChangeType.REMOVED, before.presence(), v);
				local.add(() -> presence.emit(removed));
				for (PeerObject o : before.objects().values()) {
					ObjectChange gone = new ObjectChange(ChangeType.REMOVED, o, v);
					local.add(() -> objects.emit(gone));
				}
			}
			else {
				next = before.with(after, before.presence(), before.objects(), v);
			}
			local.add(() -> scopes.emit(after));
			publish(next, Change.SCOPE, () -> local.forEach(Runnable::run));
		}
		emissions.drain();
	}

	/** @throws NotSignedInException while signed out */
	public void setPresence(PresenceInfo value) {
		synchronized (lock) {
			Snapshot before = state;
			if (before.scope() == PeerScope.NONE) {
				throw new NotSignedInException("cannot set presence while signed out: sign in first");
			}
			if (before.presence().equals(value)) {
				return;
			}
			long v = before.version() + 1;
			PresenceChange change = new PresenceChange(ChangeType.UPDATED, value, v);
			publish(before.with(before.scope(), value, before.objects(), v), Change.PRESENCE,
					() -> presence.emit(change));
		}
		emissions.drain();
	}

	/** An application the store held: part of the state from the start, with no event. */
	public void loaded(PeerApplication application) {
		synchronized (lock) {
			Snapshot before = state;
			if (before.applications().containsKey(application.id())) {
				return;
			}
			Snapshot next = new Snapshot(before.scope(), before.presence(), plus(before.applications(),
					application.id(), application), before.objects(), before.version());
			publish(next, null, null);
		}
		emissions.drain();
	}

	/**
	 * Reserves the id of {@code application} while it is being stored, so that a concurrent registration of another
	 * application with the same id fails before it is stored.
	 *
	 * @return {@code false} if the identical application is registered (or being registered) already
	 * @throws AlreadyExistsException if another application with its id is registered or being registered
	 * @throws LimitExceededException beyond {@link PeerCollaboration#MAX_APPLICATIONS}
	 */
	public boolean reserve(PeerApplication application) {
		synchronized (lock) {
			Map<UUID, PeerApplication> registered = state.applications();
			PeerApplication existing = registered.get(application.id());
			if (existing == null) {
				existing = reserved.get(application.id());
			}
			if (application.equals(existing)) {
				return false;
			}
			if (existing != null) {
				throw new AlreadyExistsException("another application with id " + application.id()
						+ " is registered already (" + existing.description() + "): unregister it first");
			}
			if (registered.size() + reserved.size() >= PeerCollaboration.MAX_APPLICATIONS) {
				throw new LimitExceededException("an endpoint registers at most " + PeerCollaboration.MAX_APPLICATIONS
						+ " applications (MAX_APPLICATIONS); unregister one first");
			}
			reserved.put(application.id(), application);
			return true;
		}
	}

	/** Gives up the reservation of {@code application}: storing it failed. */
	public void release(PeerApplication application) {
		synchronized (lock) {
			reserved.remove(application.id(), application);
		}
	}

	/** Registers {@code application}, {@linkplain #reserve reserved} and stored already. */
	public void register(PeerApplication application) {
		synchronized (lock) {
			reserved.remove(application.id(), application);
			Snapshot before = state;
			long v = before.version() + 1;
			ApplicationChange change = new ApplicationChange(ChangeType.ADDED, application, v);
			publish(new Snapshot(before.scope(), before.presence(), plus(before.applications(), application.id(),
					application), before.objects(), v), new Change.Application(application.id()),
					() -> applications.emit(change));
		}
		emissions.drain();
	}

	/** @return the registered application with {@code id}, or {@code null} */
	public PeerApplication application(UUID id) {
		return state.applications().get(id);
	}

	/** Removes a registration (deleted from the store already); nothing happens if there is none. */
	public void unregister(UUID id) {
		synchronized (lock) {
			Snapshot before = state;
			PeerApplication app = before.applications().get(id);
			if (app == null) {
				return;
			}
			long v = before.version() + 1;
			ApplicationChange change = new ApplicationChange(ChangeType.REMOVED, app, v);
			publish(new Snapshot(before.scope(), before.presence(), minus(before.applications(), id),
					before.objects(), v), new Change.Application(id), () -> applications.emit(change));
		}
		emissions.drain();
	}

	/**
	 * @throws NotSignedInException while signed out
	 * @throws LimitExceededException beyond {@link PeerCollaboration#MAX_OBJECTS}
	 */
	public void setObject(PeerObject object) {
		synchronized (lock) {
			Snapshot before = state;
			if (before.scope() == PeerScope.NONE) {
				throw new NotSignedInException("objects are published while signed in: sign in first");
			}
			PeerObject old = before.objects().get(object.id());
			if (old == null && before.objects().size() >= PeerCollaboration.MAX_OBJECTS) {
				throw new LimitExceededException("an endpoint publishes at most " + PeerCollaboration.MAX_OBJECTS
						+ " objects (MAX_OBJECTS); delete one first");
			}
			if (object.equals(old)) {
				return;
			}
			long v = before.version() + 1;
			ObjectChange change = new ObjectChange(old == null ? ChangeType.ADDED : ChangeType.UPDATED, object, v);
			publish(before.with(before.scope(), before.presence(), plus(before.objects(), object.id(), object), v),
					new Change.SharedObject(object.id()), () -> objects.emit(change));
		}
		emissions.drain();
	}

	/** @throws NotFoundException if there is no such object */
	public void deleteObject(UUID id) {
		synchronized (lock) {
			Snapshot before = state;
			PeerObject old = before.objects().get(id);
			if (old == null) {
				throw new NotFoundException("no object " + id + " is published");
			}
			long v = before.version() + 1;
			ObjectChange change = new ObjectChange(ChangeType.REMOVED, old, v);
			publish(before.with(before.scope(), before.presence(), minus(before.objects(), id), v),
					new Change.SharedObject(id), () -> objects.emit(change));
		}
		emissions.drain();
	}

	/** What {@code caller} may see changed (its contact entry): its followers are diffed again. */
	public void callerChanged(PeerName caller) {
		synchronized (lock) {
			Snapshot before = state;
			publish(new Snapshot(before.scope(), before.presence(), before.applications(), before.objects(),
					before.version() + 1), new Change.Caller(caller), null);
		}
		emissions.drain();
	}

	/** Completes every local stream and tells the listeners. */
	public void close() {
		emissions.execute(() -> {
			presence.complete();
			applications.complete();
			objects.complete();
			scopes.complete();
			for (Listener l : listeners) {
				l.closed();
			}
		});
	}

	/** Under {@link #lock}: makes {@code next} the state and queues its emission. */
	private void publish(Snapshot next, Change change, Runnable local) {
		state = next;
		emissions.submit(() -> {
			emitted = next;
			if (local != null) {
				local.run();
			}
			if (change != null) {
				for (Listener l : listeners) {
					l.changed(next, change);
				}
			}
		});
	}

	// ----- local streams ------------------------------------------------------------------------------------------------

	/** @see PeerCollaboration#presenceChanges() */
	public Flux<PresenceChange> presenceChanges() {
		return presence.stream(() -> {
			Snapshot s = emitted;
			return s.scope() == PeerScope.NONE ? List.of()
					: List.of(new PresenceChange(ChangeType.ADDED, s.presence(), s.version()));
		});
	}

	/** @see PeerCollaboration#applicationChanges() */
	public Flux<ApplicationChange> applicationChanges() {
		return applications.stream(() -> {
			Snapshot s = emitted;
			List<ApplicationChange> list = new ArrayList<>(s.applications().size());
			for (PeerApplication a : s.applications().values()) {
				list.add(new ApplicationChange(ChangeType.ADDED, a, s.version()));
			}
			return list;
		});
	}

	/** @see PeerCollaboration#objectChanges() */
	public Flux<ObjectChange> objectChanges() {
		return objects.stream(() -> {
			Snapshot s = emitted;
			List<ObjectChange> list = new ArrayList<>(s.objects().size());
			for (PeerObject o : s.objects().values()) {
				list.add(new ObjectChange(ChangeType.ADDED, o, s.version()));
			}
			return list;
		});
	}

	/** @see PeerCollaboration#signInChanges() */
	public Flux<PeerScope> signInChanges() {
		return scopes.stream(() -> List.of(emitted.scope()));
	}

	private static <V> Map<UUID, V> plus(Map<UUID, V> map, UUID id, V value) {
		Map<UUID, V> copy = new LinkedHashMap<>(map);
		copy.put(id, value);
		return Collections.unmodifiableMap(copy);
	}

	private static <V> Map<UUID, V> minus(Map<UUID, V> map, UUID id) {
		Map<UUID, V> copy = new LinkedHashMap<>(map);
		copy.remove(id);
		return Collections.unmodifiableMap(copy);
	}
}
