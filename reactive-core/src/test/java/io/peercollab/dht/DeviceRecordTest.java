// SPDX-License-Identifier: Apache-2.0
package io.peercollab.dht;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.peercollab.PeerEndPoint;
import org.junit.jupiter.api.Test;

/**
 * The device tags of a record and how a device merges its endpoints into what the other devices of its identity
 * published ("Several devices" in {@code DHT-RECORD.md}); no network.
 */
class DeviceRecordTest {

	private static final Duration TTL = Duration.ofHours(1);

	private static final long NOW = 1_796_000_000_000_000L; // µs

	private static final long NOW_S = NOW / 1_000_000L;

	private final KeyPair keys = keys();

	private final byte[] raw = MutableItem.rawKey(keys.getPublic());

	private static KeyPair keys() {
		try {
			return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
		}
		catch (java.security.GeneralSecurityException e) {
			throw new IllegalStateException(e);
		}
	}

	private static PeerEndPoint endPoint(String ip, int port) throws Exception {
		return PeerEndPoint.of(new InetSocketAddress(InetAddress.getByName(ip), port));
	}

	private MutableItem item(long seq, byte[] packet) throws Exception {
		return MutableItem.sign(keys.getPrivate(), raw, seq, packet);
	}

	private static MainlineDht device(String id) {
		return MainlineDht.builder().deviceId(id).bootstrapNodes(List.of()).build();
	}

	@Test
	void tagsNameEachEndpointsDeviceAndTime() throws Exception {
		PeerEndPoint a = endPoint("203.0.113.1", 1001);
		PeerEndPoint b = endPoint("2001:db8::2", 1002);
		PeerEndPoint c = endPoint("203.0.113.3", 1003);
		byte[] packet = PkarrCodec.encodeDevices(raw, List.of(new PkarrCodec.Device("laptop", NOW_S - 60, List.of(a, b)),
				new PkarrCodec.Device("phone", NOW_S - 10, List.of(c))), TTL);

		PkarrCodec.Decoded decoded = PkarrCodec.decode(raw, packet);

		assertThat(decoded.endPoints()).containsExactly(a, b, c);
		assertThat(decoded.devices()).containsExactly(
				new PkarrCodec.Device("laptop", NOW_S - 60, List.of(a, b)),
				new PkarrCodec.Device("phone", NOW_S - 10, List.of(c)));
	}

	@Test
	void anUntaggedRecordIsOneDeviceWithoutIdAtTheItemsTime() throws Exception {
		PeerEndPoint a = endPoint("203.0.113.1", 1001);
		MutableItem legacy = item(NOW - 5_000_000L, PkarrCodec.encode(raw, List.of(a), TTL));

		PkarrCodec.Decoded decoded = PkarrCodec.verify(raw, legacy, -1, NOW);

		assertThat(decoded.endPoints()).containsExactly(a);
		assertThat(decoded.devices()).containsExactly(new PkarrCodec.Device("", NOW_S - 5, List.of(a)));
	}

	@Test
	void aResolverSkipsTheEndpointsOfADeviceThatLastPublishedOverTwoHoursAgo() throws Exception {
		PeerEndPoint stale = endPoint("203.0.113.1", 1001);
		PeerEndPoint fresh = endPoint("203.0.113.2", 1002);
		long staleAt = NOW_S - PkarrCodec.MAX_AGE.toSeconds() - 1;
		long freshAt = NOW_S - PkarrCodec.MAX_AGE.toSeconds() + 600; // 10 minutes left
		MutableItem item = item(NOW, PkarrCodec.encodeDevices(raw, List.of(new PkarrCodec.Device("gone", staleAt,
				List.of(stale)), new PkarrCodec.Device("here", freshAt, List.of(fresh))), TTL));

		PkarrCodec.Decoded decoded = PkarrCodec.verify(raw, item, -1, NOW);

		assertThat(decoded.endpoints()).containsExactly(new PkarrCodec.Endpoint(fresh, Duration.ofMinutes(10)));
	}

	@Test
	void aBadOrMissingTagMakesAnEndpointUntaggedNotTheRecordInvalid() throws Exception {
		PeerEndPoint a = endPoint("203.0.113.1", 1001);
		byte[] packet = PkarrCodec.encodeDevices(raw, List.of(new PkarrCodec.Device("laptop", NOW_S, List.of(a))), TTL);
		// the tag's text is the only place "d=laptop" occurs: break it to upper case, which is not a device id
		String text = new String(packet, java.nio.charset.StandardCharsets.ISO_8859_1).replace("d=laptop",
				"d=LAPTOP");
		byte[] broken = text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);

		PkarrCodec.Decoded decoded = PkarrCodec.decode(raw, broken);

		assertThat(decoded.endPoints()).containsExactly(a);
		assertThat(decoded.devices()).extracting(PkarrCodec.Device::id).containsExactly("");
	}

	@Test
	void aDeviceKeepsTheOtherDevicesFreshEndpointsAndReplacesItsOwn() throws Exception {
		PeerEndPoint laptopOld = endPoint("203.0.113.1", 1001);
		PeerEndPoint phone = endPoint("203.0.113.2", 1002);
		PeerEndPoint tablet = endPoint("203.0.113.3", 1003);
		PeerEndPoint laptopNew = endPoint("203.0.113.4", 1004);
		long expired = NOW_S - PkarrCodec.MAX_AGE.toSeconds() - 1;
		MutableItem stored = item(NOW - 1, PkarrCodec.encodeDevices(raw, List.of(
				new PkarrCodec.Device("laptop", NOW_S - 100, List.of(laptopOld)),
				new PkarrCodec.Device("phone", NOW_S - 50, List.of(phone)),
				new PkarrCodec.Device("tablet", expired, List.of(tablet))), TTL));

		byte[] merged = device("laptop").merged(raw, stored, List.of(laptopNew), NOW);

		assertThat(PkarrCodec.decode(raw, merged).devices()).containsExactly(
				new PkarrCodec.Device("laptop", NOW_S, List.of(laptopNew)),
				new PkarrCodec.Device("phone", NOW_S - 50, List.of(phone)));
	}

	@Test
	void signingOutRemovesOnlyThisDevicesEndpoints() throws Exception {
		PeerEndPoint laptop = endPoint("203.0.113.1", 1001);
		PeerEndPoint phone = endPoint("2001:db8::2", 1002);
		MutableItem stored = item(NOW - 1, PkarrCodec.encodeDevices(raw, List.of(
				new PkarrCodec.Device("laptop", NOW_S - 100, List.of(laptop)),
				new PkarrCodec.Device("phone", NOW_S - 50, List.of(phone))), TTL));

		byte[] merged = device("laptop").merged(raw, stored, List.of(), NOW);

		assertThat(PkarrCodec.decode(raw, merged).endPoints()).containsExactly(phone);
		// the last device to sign out leaves a signed-out record
		MutableItem afterPhone = item(NOW, merged);
		assertThat(PkarrCodec.decode(raw, device("phone").merged(raw, afterPhone, List.of(), NOW + 1)).endPoints())
				.isEmpty();
	}

	@Test
	void anUntaggedRecordOfAnOlderPublisherIsKept() throws Exception {
		PeerEndPoint old = endPoint("203.0.113.1", 1001);
		PeerEndPoint mine = endPoint("203.0.113.2", 1002);
		MutableItem legacy = item(NOW - 1_000_000L, PkarrCodec.encode(raw, List.of(old), TTL));

		byte[] merged = device("phone").merged(raw, legacy, List.of(mine), NOW);

		assertThat(PkarrCodec.decode(raw, merged).devices()).containsExactly(
				new PkarrCodec.Device("phone", NOW_S, List.of(mine)),
				new PkarrCodec.Device("", NOW_S - 1, List.of(old)));
	}

	@Test
	void otherDevicesThatDoNotFitAreLeftOutTheOldestFirst() throws Exception {
		List<PkarrCodec.Device> others = new ArrayList<>();
		for (int i = 0; i < 5; i++) { // five devices of one IPv6 endpoint each, dev0 the most recent
			others.add(new PkarrCodec.Device("dev" + i, NOW_S - 100 * (i + 1), List.of(endPoint("2001:db8::" + (i + 1),
					2000 + i))));
		}
		// stored oldest first: the merge orders them by time, not by their place in the record
		List<PkarrCodec.Device> oldestFirst = new ArrayList<>(others);
		java.util.Collections.reverse(oldestFirst);
		MutableItem stored = item(NOW - 1, PkarrCodec.encodeDevices(raw, oldestFirst, TTL));
		List<PeerEndPoint> mine = List.of(endPoint("203.0.113.9", 9000), endPoint("2001:db8::9", 9001));

		byte[] merged = device("laptop").merged(raw, stored, mine, NOW);

		assertThat(merged.length).isLessThanOrEqualTo(PkarrCodec.MAX_PACKET_LENGTH);
		assertThat(PkarrCodec.decode(raw, merged).devices()).extracting(PkarrCodec.Device::id)
				.containsExactly("laptop", "dev0", "dev1", "dev2", "dev3");
	}

	@Test
	void theDocumentedBoundHolds() throws Exception {
		// DHT-RECORD.md: 6 tagged endpoints always fit, the worst case being 6 devices with the longest ids, each with
		// one IPv6 endpoint, one of them relayed (its SRV name is longer)
		List<PkarrCodec.Device> devices = new ArrayList<>();
		for (int i = 0; i < 6; i++) {
			PeerEndPoint e = endPoint("2001:db8::" + (i + 1), 65000 + i);
			if (i == 5) {
				e = PeerEndPoint.of(new io.peercollab.RelayedAddress(io.peercollab.TcpAddress.of(e.tcpAddress())));
			}
			devices.add(new PkarrCodec.Device("x".repeat(PkarrCodec.MAX_DEVICE_ID_LENGTH - 1) + i, NOW_S, List.of(e)));
		}
		byte[] six = PkarrCodec.encodeDevices(raw, devices, TTL);
		assertThat(six.length).isLessThanOrEqualTo(PkarrCodec.MAX_PACKET_LENGTH);
		assertThat(PkarrCodec.decode(raw, six).devices()).hasSize(6);
		// and the merge fills a record up to that: a device with one endpoint over a record of five others
		MutableItem stored = item(NOW - 1, PkarrCodec.encodeDevices(raw, devices.subList(1, 6), TTL));
		MainlineDht first = MainlineDht.builder().deviceId(devices.get(0).id()).bootstrapNodes(List.of()).build();
		assertThat(first.merged(raw, stored, devices.get(0).endPoints(), NOW)).hasSize(six.length);
	}

	@Test
	void aDeviceIdIsChecked() {
		assertThatThrownBy(() -> MainlineDht.builder().deviceId("Laptop")).isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("[a-z0-9]");
		assertThatThrownBy(() -> MainlineDht.builder().deviceId("")).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> MainlineDht.builder().deviceId("x".repeat(11)))
				.isInstanceOf(IllegalArgumentException.class);
		assertThat(MainlineDht.builder().build().deviceId()).matches("[a-z0-9]{8}")
				.isNotEqualTo(MainlineDht.builder().build().deviceId());
	}
}
