// SPDX-License-Identifier: Apache-2.0
package io.peercollab.discovery;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import io.peercollab.ChangeType;
import io.peercollab.PeerEndPoint;
import io.peercollab.identity.PeerName;
import io.peercollab.spi.DiscoveredPeer;
import io.peercollab.spi.DiscoveryEvent;

/**
 * The peers near me as the service instances seen so far describe them: one {@link DiscoveredPeer} per announced
 * {@link PeerName}, whose endpoints are those of every instance announcing that name (on every interface) and whose
 * nickname is that of the instance whose announcement changed last.
 *
 * <p>Each change returns the events it causes: {@code ADDED} when a name first appears, {@code UPDATED} when its
 * endpoints or nickname change, {@code REMOVED} when its last instance goes. Instances announcing {@code self} are
 * left out. Not thread-safe: the session calls it from one serialized task queue.
 */
final class PeerTable {

	/** Endpoints in a fixed order, so that two sightings of the same set compare equal. */
	private static final Comparator<PeerEndPoint> ENDPOINT_ORDER = Comparator
			.comparing((PeerEndPoint e) -> e.tcpAddress().getAddress() == null ? e.tcpAddress().getHostString()
					: e.tcpAddress().getAddress().getHostAddress())
			.thenComparingInt(e -> e.tcpAddress().getPort())
			.thenComparing(PeerEndPoint::name);

	private final PeerName self;
	private final Map<String, Sighting> sightings = new HashMap<>();
	private final Map<PeerName, DiscoveredPeer> peers = new TreeMap<>();
	private long clock;

	/**
	 * @param self the name of this endpoint, whose own announcements are never listed
	 */
	PeerTable(PeerName self) {
		this.self = self;
	}

	private record Sighting(PeerName name, String nickname, List<PeerEndPoint> endPoints, long order,
			String endPointName, String machineName) {

		boolean sameAs(PeerName otherName, String otherNickname, List<PeerEndPoint> otherEndPoints,
				String otherEndPointName, String otherMachineName) {
			return name.equals(otherName) && nickname.equals(otherNickname) && endPoints.equals(otherEndPoints)
					&& endPointName.equals(otherEndPointName) && machineName.equals(otherMachineName);
		}
	}

	/**
	 * Records what a service instance announces now.
	 *
	 * @param instance the instance's key, unique per interface and instance name
	 * @param name the name it announces
	 * @param nickname the nickname it announces
	 * @param endPoints where it listens; none makes it unreachable, which counts as gone
	 * @return the events this causes, possibly none
	 */
	List<DiscoveryEvent> put(String instance, PeerName name, String nickname, Collection<PeerEndPoint> endPoints) {
		return put(instance, name, nickname, endPoints, "", "");
	}

	/** As {@link #put(String, PeerName, String, Collection)}, with the endpoint and machine names it announces. */
	List<DiscoveryEvent> put(String instance, PeerName name, String nickname, Collection<PeerEndPoint> endPoints,
			String endPointName, String machineName) {
		if (name.equals(self) || endPoints.isEmpty()) {
			return remove(instance);
		}
		TreeSet<PeerEndPoint> sorted = new TreeSet<>(ENDPOINT_ORDER);
		sorted.addAll(endPoints);
		List<PeerEndPoint> canonical = List.copyOf(sorted);
		Sighting previous = sightings.get(instance);
		if (previous != null && previous.sameAs(name, nickname, canonical, endPointName, machineName)) {
			// A repeated resolution must not make an old instance's nickname the latest one again.
			return List.of();
		}
		sightings.put(instance, new Sighting(name, nickname, canonical, ++clock, endPointName, machineName));
		List<DiscoveryEvent> events = new ArrayList<>(2);
		if (previous != null && !previous.name().equals(name)) {
			recompute(previous.name(), events);
		}
		recompute(name, events);
		return events;
	}

	/**
	 * Forgets a service instance.
	 *
	 * @return the events this causes: none if the instance was unknown or its peer has other instances with the same
	 * endpoints and nickname
	 */
	List<DiscoveryEvent> remove(String instance) {
		Sighting previous = sightings.remove(instance);
		if (previous == null) {
			return List.of();
		}
		List<DiscoveryEvent> events = new ArrayList<>(1);
		recompute(previous.name(), events);
		return events;
	}

	/** @return whether a valid announcement of this instance is known */
	boolean contains(String instance) {
		return sightings.containsKey(instance);
	}

	/** @return how many service instances announce this name now */
	int instances(PeerName name) {
		int count = 0;
		for (Sighting s : sightings.values()) {
			if (s.name().equals(name)) {
				count++;
			}
		}
		return count;
	}

	/** @return every known peer as {@code ADDED}, ordered by name */
	List<DiscoveryEvent> snapshot() {
		List<DiscoveryEvent> events = new ArrayList<>(peers.size());
		for (DiscoveredPeer peer : peers.values()) {
			events.add(new DiscoveryEvent(ChangeType.ADDED, peer));
		}
		return events;
	}

	private void recompute(PeerName name, List<DiscoveryEvent> events) {
		DiscoveredPeer before = peers.get(name);
		Sighting latest = null;
		TreeSet<PeerEndPoint> endPoints = new TreeSet<>(ENDPOINT_ORDER);
		for (Sighting s : sightings.values()) {
			if (s.name().equals(name)) {
				endPoints.addAll(s.endPoints());
				if (latest == null || s.order() > latest.order()) {
					latest = s;
				}
			}
		}
		if (latest == null) {
			if (before != null) {
				peers.remove(name);
				events.add(new DiscoveryEvent(ChangeType.REMOVED, before));
			}
			return;
		}
		DiscoveredPeer after = new DiscoveredPeer(name, latest.nickname(), List.copyOf(endPoints),
				latest.endPointName(), latest.machineName());
		if (before == null) {
			peers.put(name, after);
			events.add(new DiscoveryEvent(ChangeType.ADDED, after));
		}
		else if (!before.equals(after)) {
			peers.put(name, after);
			events.add(new DiscoveryEvent(ChangeType.UPDATED, after));
		}
	}
}
