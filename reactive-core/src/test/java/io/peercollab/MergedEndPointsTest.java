// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class MergedEndPointsTest {

	private static final PeerApplication CHAT = new PeerApplication(UUID.randomUUID(), "Chat", null, PeerScope.ALL,
			"", List.of());
	private static final PeerApplication BOARD = new PeerApplication(UUID.randomUUID(), "Board", null, PeerScope.ALL,
			"", List.of());

	private static RemoteEndPoint ep(String instance, PresenceStatus status, PeerApplication... apps) {
		return new RemoteEndPoint(instance, PeerEndPoint.of(new java.net.InetSocketAddress("127.0.0.1", 7000)), "",
				"", PresenceInfo.of(status), List.of(apps), List.of());
	}

	@Test
	void theMostAvailableStatusWinsAndOnlineMeansOneEndpointExactlyOnline() {
		MergedEndPoints busyAndAway = new MergedEndPoints(List.of(ep("a", PresenceStatus.AWAY),
				ep("b", PresenceStatus.BUSY)));
		assertThat(busyAndAway.presence().status()).isEqualTo(PresenceStatus.BUSY);
		assertThat(busyAndAway.isOnline()).isFalse();
		MergedEndPoints withOnline = busyAndAway.apply(new EndPointChange(ChangeType.ADDED,
				ep("c", PresenceStatus.ONLINE)));
		assertThat(withOnline.presence().status()).isEqualTo(PresenceStatus.ONLINE);
		assertThat(withOnline.isOnline()).isTrue();
		assertThat(MergedEndPoints.NONE.presence()).isEqualTo(PresenceInfo.OFFLINE);
		assertThat(MergedEndPoints.NONE.isOnline()).isFalse();
	}

	@Test
	void applicationsAreMergedByIdEachSayingWhichEndpointsHaveIt() {
		MergedEndPoints m = new MergedEndPoints(List.of(ep("a", PresenceStatus.ONLINE, CHAT, BOARD),
				ep("b", PresenceStatus.ONLINE, BOARD)));
		assertThat(m.applications()).extracting(i -> i.item().id(), MergedEndPoints.Item::instances)
				.containsExactly(org.assertj.core.groups.Tuple.tuple(CHAT.id(), List.of("a")),
						org.assertj.core.groups.Tuple.tuple(BOARD.id(), List.of("a", "b")));
	}

	@Test
	void anEndpointIsReplacedInPlaceAndRemovedByItsInstance() {
		MergedEndPoints m = new MergedEndPoints(List.of(ep("a", PresenceStatus.AWAY), ep("b", PresenceStatus.AWAY)));
		MergedEndPoints updated = m.apply(new EndPointChange(ChangeType.UPDATED, ep("a", PresenceStatus.IDLE)));
		assertThat(updated.endPoints()).extracting(RemoteEndPoint::instance).containsExactly("a", "b");
		assertThat(updated.endPoints().get(0).presence().status()).isEqualTo(PresenceStatus.IDLE);
		MergedEndPoints removed = updated.apply(new EndPointChange(ChangeType.REMOVED, ep("a", PresenceStatus.IDLE)));
		assertThat(removed.endPoints()).extracting(RemoteEndPoint::instance).containsExactly("b");
	}
}
