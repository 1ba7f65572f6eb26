// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.peer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;

import io.peercollab.ApplicationChange;
import io.peercollab.ChangeType;
import io.peercollab.MergedEndPoints;
import io.peercollab.ObjectChange;
import io.peercollab.PeerApplication;
import io.peercollab.PeerEvent;
import io.peercollab.PeerObject;
import io.peercollab.PresenceChange;
import io.peercollab.PresenceInfo;
import io.peercollab.PresenceStatus;
import io.peercollab.RemoteEndPoint;

/**
 * A contact's endpoints folded into the events of one stream, as {@link io.peercollab.Peer#events()} shows a contact:
 * the same merge as {@link MergedEndPoints}, over the endpoints whose state arrived.
 *
 * <ul>
 * <li>Presence: the most available of the endpoints' ({@link MergedEndPoints#presence()}); none ({@code REMOVED})
 * when none shows one.</li>
 * <li>Applications and objects: merged by id, each as the first endpoint (in the order they were reached) that has it
 * shows it; an item leaves when no endpoint has it any more.</li>
 * <li>Nothing is emitted until the state of an endpoint arrived; then the merged state as {@code ADDED}, then
 * {@code Synced}, then every change of the merged state. When the state of another endpoint arrives (one more device,
 * or one back after it was lost), what it changes, then {@code Synced} again, as after a reconnection.</li>
 * <li>When the last endpoint leaves (its connection lost, or it did not answer), the presence is {@code REMOVED} and
 * the applications and objects stay as last seen, as for a followed peer that cannot be reached; the next endpoint
 * whose state arrives brings the difference.</li>
 * </ul>
 *
 * <p>Versions come from a counter shared by every merged stream of one endpoint, so that they only grow. Used by one
 * stream's serialized pipeline.
 */
final class MergedState {

	private final AtomicLong versions;
	/** The endpoints whose state arrived, in the order they were reached. */
	private final Map<String, RemoteEndPoint> endPoints = new LinkedHashMap<>();
	private boolean started;
	// as emitted
	private PresenceInfo presence;
	private final Map<UUID, PeerApplication> applications = new LinkedHashMap<>();
	private final Map<UUID, PeerObject> objects = new LinkedHashMap<>();

	MergedState(AtomicLong versions) {
		this.versions = versions;
	}

	/** @return what {@code c} changes in the merged stream */
	List<PeerEvent> on(EndPointWatches.Change c) {
		RemoteEndPoint e = c.change().endPoint();
		boolean joined = false;
		if (c.change().type() == ChangeType.REMOVED) {
			if (endPoints.remove(e.instance()) == null) {
				return List.of();
			}
		}
		else if (c.synced()) {
			joined = endPoints.put(e.instance(), e) == null;
		}
		else {
			return List.of();
		}
		if (!started) {
			if (endPoints.isEmpty()) {
				return List.of();
			}
			started = true;
			List<PeerEvent> out = diff();
			long v = out.isEmpty() ? versions.incrementAndGet() : out.get(out.size() - 1).version();
			out.add(new PeerEvent.Synced(v));
			return out;
		}
		List<PeerEvent> out = diff();
		if (joined) {
			// an endpoint's state was merged in (one more device, or one back after it was lost): as after a
			// reconnection, what came before is the state now
			long v = out.isEmpty() ? versions.incrementAndGet() : out.get(out.size() - 1).version();
			out.add(new PeerEvent.Synced(v));
		}
		return out;
	}

	/** Brings the emitted state to the merged state of the endpoints; the changes, one version each. */
	private List<PeerEvent> diff() {
		List<PeerEvent> out = new ArrayList<>();
		MergedEndPoints view = new MergedEndPoints(List.copyOf(endPoints.values()));
		PresenceInfo now = view.presence();
		if (endPoints.isEmpty() || now.status() == PresenceStatus.OFFLINE) {
			now = null;
		}
		if (!Objects.equals(presence, now)) {
			ChangeType t = presence == null ? ChangeType.ADDED : now == null ? ChangeType.REMOVED : ChangeType.UPDATED;
			out.add(new PresenceChange(t, now == null ? presence : now, versions.incrementAndGet()));
			presence = now;
		}
		if (endPoints.isEmpty()) {
			// nothing answers: the items stay as last seen
			return out;
		}
		Map<UUID, PeerApplication> apps = new LinkedHashMap<>();
		view.applications().forEach(i -> apps.put(i.item().id(), i.item()));
		Map<UUID, PeerObject> objs = new LinkedHashMap<>();
		view.objects().forEach(i -> objs.put(i.item().id(), i.item()));
		diff(applications, apps, out, (t, a) -> new ApplicationChange(t, a, versions.incrementAndGet()));
		diff(objects, objs, out, (t, o) -> new ObjectChange(t, o, versions.incrementAndGet()));
		return out;
	}

	private static <T> void diff(Map<UUID, T> old, Map<UUID, T> now, List<PeerEvent> out,
			BiFunction<ChangeType, T, PeerEvent> make) {
		for (Map.Entry<UUID, T> e : now.entrySet()) {
			T before = old.get(e.getKey());
			if (before == null) {
				out.add(make.apply(ChangeType.ADDED, e.getValue()));
			}
			else if (!before.equals(e.getValue())) {
				out.add(make.apply(ChangeType.UPDATED, e.getValue()));
			}
		}
		for (Map.Entry<UUID, T> e : old.entrySet()) {
			if (!now.containsKey(e.getKey())) {
				out.add(make.apply(ChangeType.REMOVED, e.getValue()));
			}
		}
		old.clear();
		old.putAll(now);
	}
}
