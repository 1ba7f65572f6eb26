// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * What a peer shows across all of its live endpoints, as Windows shows a contact signed in on several machines: one
 * presence, and its applications and objects merged by id, each saying which endpoints have it.
 *
 * @param endPoints the live endpoints, in the order they were reached
 */
public record MergedEndPoints(List<RemoteEndPoint> endPoints) {

	/** No endpoint: the view before any is reached. */
	public static final MergedEndPoints NONE = new MergedEndPoints(List.of());

	/**
	 * An item shown by one or more endpoints of the peer.
	 *
	 * @param item the item as the first endpoint (in {@link #endPoints()} order) that has it shows it
	 * @param instances the {@link RemoteEndPoint#instance() instances} of the endpoints that have it
	 * @param <T> {@link PeerApplication} or {@link PeerObject}
	 */
	public record Item<T>(T item, List<String> instances) {

		/** @throws NullPointerException if a field is {@code null} */
		public Item {
			Checks.notNull(item, "item");
			instances = List.copyOf(Checks.notNull(instances, "instances"));
		}
	}

	/** @throws NullPointerException if {@code endPoints} is {@code null} */
	public MergedEndPoints {
		endPoints = List.copyOf(Checks.notNull(endPoints, "endPoints"));
	}

	/**
	 * @return the most available presence among the endpoints (in {@link PresenceStatus} order, {@code ONLINE} the
	 * most available; on a tie, the first endpoint's); {@code OFFLINE} without an endpoint
	 */
	public PresenceInfo presence() {
		PresenceInfo best = PresenceInfo.OFFLINE;
		for (RemoteEndPoint e : endPoints) {
			if (e.presence().status().compareTo(best.status()) > 0) {
				best = e.presence();
			}
		}
		return best;
	}

	/** @return whether at least one endpoint is exactly {@link PresenceStatus#ONLINE} */
	public boolean isOnline() {
		for (RemoteEndPoint e : endPoints) {
			if (e.presence().status() == PresenceStatus.ONLINE) {
				return true;
			}
		}
		return false;
	}

	/** @return the applications of every endpoint, one per id, in the order they are first found */
	public List<Item<PeerApplication>> applications() {
		return merge(RemoteEndPoint::applications, PeerApplication::id);
	}

	/** @return the objects of every endpoint, one per id, in the order they are first found */
	public List<Item<PeerObject>> objects() {
		return merge(RemoteEndPoint::objects, PeerObject::id);
	}

	/**
	 * @return the view after {@code change}: the endpoint added, replaced in place, or removed
	 * @throws NullPointerException if {@code change} is {@code null}
	 */
	public MergedEndPoints apply(EndPointChange change) {
		Checks.notNull(change, "change");
		List<RemoteEndPoint> next = new ArrayList<>(endPoints.size() + 1);
		boolean replaced = false;
		for (RemoteEndPoint e : endPoints) {
			if (!e.instance().equals(change.endPoint().instance())) {
				next.add(e);
			}
			else if (change.type() != ChangeType.REMOVED) {
				next.add(change.endPoint());
				replaced = true;
			}
		}
		if (!replaced && change.type() != ChangeType.REMOVED) {
			next.add(change.endPoint());
		}
		return new MergedEndPoints(next);
	}

	private <T> List<Item<T>> merge(Function<RemoteEndPoint, List<T>> items, Function<T, UUID> id) {
		Map<UUID, T> first = new LinkedHashMap<>();
		Map<UUID, List<String>> who = new LinkedHashMap<>();
		for (RemoteEndPoint e : endPoints) {
			for (T item : items.apply(e)) {
				UUID key = id.apply(item);
				first.putIfAbsent(key, item);
				who.computeIfAbsent(key, k -> new ArrayList<>()).add(e.instance());
			}
		}
		List<Item<T>> out = new ArrayList<>(first.size());
		first.forEach((key, item) -> out.add(new Item<>(item, who.get(key))));
		return out;
	}
}
