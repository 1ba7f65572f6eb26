// SPDX-License-Identifier: Apache-2.0
package io.peercollab.discovery;

import java.net.InetSocketAddress;
import java.util.List;

import io.peercollab.ChangeType;
import io.peercollab.PeerEndPoint;
import io.peercollab.identity.PeerName;
import io.peercollab.spi.DiscoveredPeer;
import io.peercollab.spi.DiscoveryEvent;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class MdnsPeerTableTest {

	static final PeerName SELF = PeerName.unsecured("me");
	static final PeerName ALICE = PeerName.unsecured("alice");
	static final PeerName BOB = PeerName.unsecured("bob");

	final PeerTable table = new PeerTable(SELF);

	static PeerEndPoint at(String interfaceName, int port) {
		return new PeerEndPoint(interfaceName, new InetSocketAddress("127.0.0.1", port));
	}

	static DiscoveryEvent event(ChangeType type, PeerName name, String nickname, PeerEndPoint... endPoints) {
		return new DiscoveryEvent(type, new DiscoveredPeer(name, nickname, List.of(endPoints)));
	}

	@Test
	void aFirstInstanceAddsItsPeer() {
		assertThat(table.put("lo|a1", ALICE, "Alice", List.of(at("lo", 1000))))
				.containsExactly(event(ChangeType.ADDED, ALICE, "Alice", at("lo", 1000)));
		assertThat(table.contains("lo|a1")).isTrue();
	}

	@Test
	void twoInstancesOfOneNameAreOnePeerWithBothEndPoints() {
		table.put("lo|a1", ALICE, "Alice", List.of(at("lo", 1000)));

		assertThat(table.put("lo|a2", ALICE, "Alice", List.of(at("lo", 2000))))
				.containsExactly(event(ChangeType.UPDATED, ALICE, "Alice", at("lo", 1000), at("lo", 2000)));
		assertThat(table.snapshot())
				.containsExactly(event(ChangeType.ADDED, ALICE, "Alice", at("lo", 1000), at("lo", 2000)));
	}

	@Test
	void removingOneOfTwoInstancesUpdatesAndRemovingTheLastRemoves() {
		table.put("lo|a1", ALICE, "Alice", List.of(at("lo", 1000)));
		table.put("eth0|a2", ALICE, "Alice", List.of(at("eth0", 2000)));

		assertThat(table.remove("lo|a1"))
				.containsExactly(event(ChangeType.UPDATED, ALICE, "Alice", at("eth0", 2000)));
		assertThat(table.remove("eth0|a2"))
				.containsExactly(event(ChangeType.REMOVED, ALICE, "Alice", at("eth0", 2000)));
		assertThat(table.snapshot()).isEmpty();
		assertThat(table.remove("eth0|a2")).isEmpty();
	}

	@Test
	void theNicknameOfTheLatestChangedInstanceWins() {
		table.put("lo|old", ALICE, "Alice", List.of(at("lo", 1000)));

		assertThat(table.put("lo|new", ALICE, "Alicia", List.of(at("lo", 1000))))
				.containsExactly(event(ChangeType.UPDATED, ALICE, "Alicia", at("lo", 1000)));
		// jmDNS resolves the old instance again before its goodbye: that must not bring the old nickname back.
		assertThat(table.put("lo|old", ALICE, "Alice", List.of(at("lo", 1000)))).isEmpty();
		assertThat(table.remove("lo|old")).isEmpty();
		assertThat(table.snapshot()).containsExactly(event(ChangeType.ADDED, ALICE, "Alicia", at("lo", 1000)));
	}

	@Test
	void aRepeatedIdenticalResolutionCausesNoEvent() {
		table.put("lo|a1", ALICE, "Alice", List.of(at("lo", 1000)));

		assertThat(table.put("lo|a1", ALICE, "Alice", List.of(at("lo", 1000)))).isEmpty();
	}

	@Test
	void anotherPortOnTheSameInstanceUpdates() {
		table.put("lo|a1", ALICE, "Alice", List.of(at("lo", 1000)));

		assertThat(table.put("lo|a1", ALICE, "Alice", List.of(at("lo", 1001))))
				.containsExactly(event(ChangeType.UPDATED, ALICE, "Alice", at("lo", 1001)));
	}

	@Test
	void itsOwnNameIsNeverListed() {
		assertThat(table.put("lo|me", SELF, "Me", List.of(at("lo", 1000)))).isEmpty();
		assertThat(table.contains("lo|me")).isFalse();
		assertThat(table.snapshot()).isEmpty();
	}

	@Test
	void anInstanceWithoutAddressIsGone() {
		table.put("lo|a1", ALICE, "Alice", List.of(at("lo", 1000)));

		assertThat(table.put("lo|a1", ALICE, "Alice", List.of()))
				.containsExactly(event(ChangeType.REMOVED, ALICE, "Alice", at("lo", 1000)));
	}

	@Test
	void anInstanceThatChangesItsNameMovesFromOnePeerToTheOther() {
		table.put("lo|x", ALICE, "Alice", List.of(at("lo", 1000)));

		assertThat(table.put("lo|x", BOB, "Bob", List.of(at("lo", 1000)))).containsExactly(
				event(ChangeType.REMOVED, ALICE, "Alice", at("lo", 1000)),
				event(ChangeType.ADDED, BOB, "Bob", at("lo", 1000)));
	}

	@Test
	void theSnapshotListsEveryPeerAsAddedInNameOrder() {
		table.put("lo|b", BOB, "Bob", List.of(at("lo", 2000)));
		table.put("lo|a", ALICE, "Alice", List.of(at("lo", 1000)));

		assertThat(table.snapshot()).containsExactly(
				event(ChangeType.ADDED, ALICE, "Alice", at("lo", 1000)),
				event(ChangeType.ADDED, BOB, "Bob", at("lo", 2000)));
	}
}
