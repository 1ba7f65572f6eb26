// SPDX-License-Identifier: Apache-2.0
package io.peercollab.dht;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

import io.peercollab.InvalidRequestException;
import io.peercollab.PeerEndPoint;
import io.peercollab.dht.RecordRefusedException.Check;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/** The record codec, z-base-32 and BEP 44 signing, without a network. */
class PkarrCodecTest {

	private static final Duration TTL = Duration.ofHours(1);

	private static KeyPair ed25519() throws Exception {
		return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
	}

	private static PeerEndPoint endPoint(String ip, int port) throws Exception {
		return PeerEndPoint.of(new InetSocketAddress(InetAddress.getByName(ip), port));
	}

	@Test
	void endpointsSurviveARoundTrip() throws Exception {
		byte[] key = MutableItem.rawKey(ed25519().getPublic());
		List<PeerEndPoint> endPoints = List.of(endPoint("203.0.113.7", 4711), endPoint("2001:db8::7", 443),
				endPoint("198.51.100.1", 65535));

		PkarrCodec.Decoded decoded = PkarrCodec.decode(key, PkarrCodec.encode(key, endPoints, TTL));

		assertThat(decoded.endPoints()).containsExactlyElementsOf(endPoints);
		assertThat(decoded.endpoints()).extracting(PkarrCodec.Endpoint::timeToLive).containsOnly(TTL);
	}

	@Test
	void relayedEndpointsTravelBesideTheDirectOnesAndComeAfterThem() throws Exception {
		byte[] key = MutableItem.rawKey(ed25519().getPublic());
		PeerEndPoint relayed = PeerEndPoint.of(new io.peercollab.RelayedAddress(io.peercollab.TcpAddress.of(
				InetAddress.getByName("203.0.113.20"), 49152)));
		PeerEndPoint direct = endPoint("198.51.100.1", 4711);

		byte[] packet = PkarrCodec.encode(key, List.of(relayed, direct), TTL);
		PkarrCodec.Decoded decoded = PkarrCodec.decode(key, packet);

		assertThat(decoded.endPoints()).containsExactly(direct, relayed);
		assertThat(decoded.endPoints().get(1).address()).hasToString("turn:203.0.113.20:49152");
		// a resolver that knows only _peercollab._tcp reads the direct endpoint and ignores the relay's SRV
		Message message = new Message(packet);
		assertThat(message.getSection(Section.ANSWER)).filteredOn(r -> r.getType() == Type.SRV)
				.extracting(r -> r.getName().getLabelString(0))
				.containsExactly("_peercollab-relay", "_peercollab");
	}

	@Test
	void anEmptyRecordHasNoEndpoints() throws Exception {
		byte[] key = MutableItem.rawKey(ed25519().getPublic());

		assertThat(PkarrCodec.decode(key, PkarrCodec.encode(key, List.of(), TTL)).endPoints()).isEmpty();
	}

	@Test
	void theExamplePacketIsSmall() throws Exception {
		byte[] key = HexFormat.of().parseHex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
		byte[] packet = PkarrCodec.encode(key, List.of(endPoint("203.0.113.7", 4711)), TTL);

		// printed for DHT-RECORD.md (RFC 8032 test key 1)
		System.out.println("origin " + PkarrCodec.origin(key) + "\npacket " + packet.length + " bytes: "
				+ HexFormat.of().formatHex(packet));
		assertThat(packet.length).isLessThan(250);
		assertThat(PkarrCodec.decode(key, packet).endPoints()).containsExactly(endPoint("203.0.113.7", 4711));
	}

	@Test
	void aRecordUnderAnotherKeysOriginIsRejected() throws Exception {
		byte[] key = MutableItem.rawKey(ed25519().getPublic());
		byte[] other = MutableItem.rawKey(ed25519().getPublic());
		byte[] packet = PkarrCodec.encode(other, List.of(endPoint("203.0.113.7", 4711)), TTL);

		assertThatThrownBy(() -> PkarrCodec.decode(key, packet))
				.isInstanceOf(InvalidRequestException.class)
				.hasMessageContaining("under another key")
				.extracting(e -> ((RecordRefusedException) e).check()).isEqualTo(Check.WRONG_ORIGIN);
	}

	@Test
	void aRecordWithoutVersionIsRejected() throws Exception {
		byte[] key = MutableItem.rawKey(ed25519().getPublic());
		Message message = new Message(0);
		message.getHeader().setFlag(Flags.QR);

		assertThatThrownBy(() -> PkarrCodec.decode(key, message.toWire()))
				.isInstanceOf(InvalidRequestException.class)
				.hasMessageContaining("No PeerCollab record here: a Pkarr record of 0 records")
				.extracting(e -> ((RecordRefusedException) e).check()).isEqualTo(Check.NO_PEERCOLLAB_RECORD);
	}

	@Test
	void aRecordWithAnotherVersionIsRejected() throws Exception {
		byte[] key = MutableItem.rawKey(ed25519().getPublic());
		Message message = new Message(0);
		message.addRecord(new TXTRecord(Name.fromString("_peercollab", PkarrCodec.origin(key)), DClass.IN, 60,
				"v=2"), Section.ANSWER);

		assertThatThrownBy(() -> PkarrCodec.decode(key, message.toWire()))
				.isInstanceOf(InvalidRequestException.class)
				.hasMessageContaining("version ['v=2']")
				.extracting(e -> ((RecordRefusedException) e).check()).isEqualTo(Check.UNKNOWN_VERSION);
	}

	@Test
	void unknownRecordsAreIgnored() throws Exception {
		byte[] key = MutableItem.rawKey(ed25519().getPublic());
		Message message = new Message(PkarrCodec.encode(key, List.of(endPoint("203.0.113.7", 4711)), TTL));
		message.addRecord(new TXTRecord(Name.fromString("_other", PkarrCodec.origin(key)), DClass.IN, 60, "x"),
				Section.ANSWER);

		assertThat(PkarrCodec.decode(key, message.toWire()).endPoints())
				.containsExactly(endPoint("203.0.113.7", 4711));
	}

	@Test
	void garbageIsUndecodable() throws Exception {
		byte[] key = MutableItem.rawKey(ed25519().getPublic());

		assertThatThrownBy(() -> PkarrCodec.decode(key, new byte[] {1, 2, 3}))
				.isInstanceOf(InvalidRequestException.class)
				.hasMessageContaining("not a DNS packet");
	}

	@Test
	void zBase32MatchesTheSpecificationsVectors() {
		// from Zooko's z-base-32 specification
		assertThat(ZBase32.encode(new byte[] {(byte) 0xf0, (byte) 0xbf, (byte) 0xc7})).isEqualTo("6n9hq");
		assertThat(ZBase32.encode(new byte[] {(byte) 0xd4, 0x7a, 0x04})).isEqualTo("4t7ye");
		byte[] key = HexFormat.of().parseHex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
		assertThat(ZBase32.encode(key)).hasSize(52);
		assertThat(ZBase32.encode(key)).isEqualTo("47pjoycnsrfmxikm95jh13y88e8qnhzu5kungjpxyepgt7a8krpy");
	}

	@Test
	void bep44SignatureVerifiesWithTheJdkAndFailsForAnotherKey() throws Exception {
		KeyPair owner = ed25519();
		KeyPair other = ed25519();
		byte[] key = MutableItem.rawKey(owner.getPublic());
		byte[] packet = PkarrCodec.encode(key, List.of(endPoint("203.0.113.7", 4711)), TTL);

		MutableItem item = MutableItem.sign(owner.getPrivate(), key, 42, packet);
		MutableItem forged = MutableItem.sign(other.getPrivate(), key, 42, packet);

		assertThat(new String(MutableItem.signedBuffer(42, item.value()), java.nio.charset.StandardCharsets.ISO_8859_1))
				.startsWith("3:seqi42e1:v" + packet.length + ":");
		assertThat(item.verify()).isTrue();
		assertThat(forged.verify()).isFalse();
		assertThat(item.valueBytes()).isEqualTo(packet);
	}

	@Test
	void verifyRejectsForgedOversizedStaleAndExpiredItems() throws Exception {
		KeyPair owner = ed25519();
		byte[] key = MutableItem.rawKey(owner.getPublic());
		byte[] packet = PkarrCodec.encode(key, List.of(endPoint("203.0.113.7", 4711)), TTL);
		long now = MutableItem.nowMicros();
		MutableItem good = MutableItem.sign(owner.getPrivate(), key, now, packet);

		assertThat(PkarrCodec.verify(key, good, -1, now).endPoints()).hasSize(1);
		assertThat(PkarrCodec.verify(key, good, now, now).endPoints()).hasSize(1);
		assertRefused(() -> PkarrCodec.verify(key, good, now + 1, now), Check.STALE, "stale");
		assertRefused(() -> PkarrCodec.verify(key, good, -1, now + PkarrCodec.MAX_AGE_MICROS + 1), Check.EXPIRED,
				"older than 2 hours");
		MutableItem forged = MutableItem.sign(ed25519().getPrivate(), key, now, packet);
		assertRefused(() -> PkarrCodec.verify(key, forged, -1, now), Check.BAD_SIGNATURE, "signature");
		MutableItem big = MutableItem.sign(owner.getPrivate(), key, now, new byte[1001]);
		assertRefused(() -> PkarrCodec.verify(key, big, -1, now), Check.TOO_LARGE, "limit of a 1000-byte DNS packet");
		MutableItem notBytesSigned = signRaw(owner, key, now, "i42e".getBytes(StandardCharsets.US_ASCII));
		assertRefused(() -> PkarrCodec.verify(key, notBytesSigned, -1, now), Check.MALFORMED_VALUE, "undecodable");
		MutableItem otherKey = MutableItem.sign(owner.getPrivate(), MutableItem.rawKey(ed25519().getPublic()), now,
				packet);
		assertRefused(() -> PkarrCodec.verify(key, otherKey, -1, now), Check.WRONG_KEY, "another key");
		MutableItem garbage = MutableItem.sign(owner.getPrivate(), key, now, new byte[] {1, 2, 3});
		assertRefused(() -> PkarrCodec.verify(key, garbage, -1, now), Check.MALFORMED_PACKET, "not a DNS packet");
	}

	/** An item whose value is {@code value} as it is (not a bencoded byte string), signed by {@code owner}. */
	private static MutableItem signRaw(KeyPair owner, byte[] key, long seq, byte[] value) throws Exception {
		java.security.Signature signer = java.security.Signature.getInstance("Ed25519");
		signer.initSign(owner.getPrivate());
		signer.update(MutableItem.signedBuffer(seq, value));
		return new MutableItem(key, seq, value, signer.sign());
	}

	private static void assertRefused(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, Check check,
			String message) {
		assertThatThrownBy(call).isInstanceOf(RecordRefusedException.class).hasMessageContaining(message)
				.extracting(e -> ((RecordRefusedException) e).check()).isEqualTo(check);
	}

	// ----- as Pkarr writes and reads records --------------------------------------------------------------------------

	private static Name name(String text) throws Exception {
		return Name.fromString(text);
	}

	/**
	 * Two endpoints whose records have TTLs of their own: 203.0.113.7:4711 (SRV 600 s, A 900 s) and
	 * [2001:db8::7]:4712 (SRV 3600 s, AAAA 60 s), and the TXT at 30 s.
	 */
	static byte[] endpointsWithTtlsOfTheirOwn(byte[] key) throws Exception {
		Name origin = PkarrCodec.origin(key);
		Name srv = Name.fromString("_peercollab._tcp", origin);
		Message message = new Message(0);
		message.addRecord(new SRVRecord(srv, DClass.IN, 600, 0, 0, 4711, Name.fromString("e0", origin)),
				Section.ANSWER);
		message.addRecord(new ARecord(Name.fromString("e0", origin), DClass.IN, 900,
				InetAddress.getByName("203.0.113.7")), Section.ANSWER);
		message.addRecord(new SRVRecord(srv, DClass.IN, 3600, 0, 0, 4712, Name.fromString("e1", origin)),
				Section.ANSWER);
		message.addRecord(new AAAARecord(Name.fromString("e1", origin), DClass.IN, 60,
				InetAddress.getByName("2001:db8::7")), Section.ANSWER);
		message.addRecord(new TXTRecord(Name.fromString("_peercollab", origin), DClass.IN, 30, "v=1"),
				Section.ANSWER);
		return message.toWire();
	}

	@Test
	void eachEndpointHasTheSmallestTtlOfItsOwnRecords() throws Exception {
		byte[] key = MutableItem.rawKey(ed25519().getPublic());

		assertThat(PkarrCodec.decode(key, endpointsWithTtlsOfTheirOwn(key)).endpoints()).containsExactly(
				new PkarrCodec.Endpoint(endPoint("203.0.113.7", 4711), Duration.ofSeconds(600)),
				new PkarrCodec.Endpoint(endPoint("2001:db8::7", 4712), Duration.ofSeconds(60)));
	}

	@Test
	void relativeNamesAsPkarrWritesThemAreReadBelowTheKey() throws Exception {
		byte[] key = MutableItem.rawKey(ed25519().getPublic());
		Name origin = PkarrCodec.origin(key);
		// npm pkarr and the Rust crate make record names absolute but write an SRV target as given: "e0" is "e0."
		Message pkarrStyle = new Message(0);
		pkarrStyle.addRecord(new SRVRecord(Name.fromString("_peercollab._tcp", origin), DClass.IN, 60, 0, 0, 4711,
				name("e0.")), Section.ANSWER);
		pkarrStyle.addRecord(new ARecord(Name.fromString("e0", origin), DClass.IN, 60,
				InetAddress.getByName("203.0.113.7")), Section.ANSWER);
		pkarrStyle.addRecord(new TXTRecord(Name.fromString("_peercollab", origin), DClass.IN, 60, "v=1"),
				Section.ANSWER);
		// every name relative, as a writer with dns-packet alone may do; "@" is the key itself
		Message allRelative = new Message(0);
		allRelative.addRecord(new SRVRecord(name("_peercollab._tcp."), DClass.IN, 60, 0, 0, 4711, name("e0.")),
				Section.ANSWER);
		allRelative.addRecord(new SRVRecord(name("_peercollab._tcp."), DClass.IN, 60, 1, 0, 4712, name("@.")),
				Section.ANSWER);
		allRelative.addRecord(new ARecord(name("e0."), DClass.IN, 60, InetAddress.getByName("203.0.113.7")),
				Section.ANSWER);
		allRelative.addRecord(new AAAARecord(origin, DClass.IN, 60, InetAddress.getByName("2001:db8::7")),
				Section.ANSWER);
		allRelative.addRecord(new TXTRecord(name("_peercollab."), DClass.IN, 60, "v=1"), Section.ANSWER);

		assertThat(PkarrCodec.decode(key, pkarrStyle.toWire()).endPoints())
				.containsExactly(endPoint("203.0.113.7", 4711));
		assertThat(PkarrCodec.decode(key, allRelative.toWire()).endPoints())
				.containsExactly(endPoint("203.0.113.7", 4711), endPoint("2001:db8::7", 4712));
	}

	@Test
	void anSrvTargetOfTheRootMeansNoServiceThere() throws Exception {
		byte[] key = MutableItem.rawKey(ed25519().getPublic());
		Name origin = PkarrCodec.origin(key);
		Message message = new Message(0);
		message.addRecord(new SRVRecord(Name.fromString("_peercollab._tcp", origin), DClass.IN, 60, 0, 0, 4711,
				Name.root), Section.ANSWER);
		message.addRecord(new ARecord(origin, DClass.IN, 60, InetAddress.getByName("203.0.113.7")), Section.ANSWER);
		message.addRecord(new TXTRecord(Name.fromString("_peercollab", origin), DClass.IN, 60, "v=1"),
				Section.ANSWER);

		assertThat(PkarrCodec.decode(key, message.toWire()).endPoints()).isEmpty();
	}

	@Test
	void aForeignPkarrRecordWithOurTxtResolvesAndOneWithoutIsRefusedSayingSo() throws Exception {
		byte[] key = MutableItem.rawKey(ed25519().getPublic());
		Name origin = PkarrCodec.origin(key);
		Message foreign = new Message(0);
		foreign.getHeader().setFlag(Flags.QR);
		foreign.addRecord(new ARecord(origin, DClass.IN, 300, InetAddress.getByName("192.0.2.1")), Section.ANSWER);
		foreign.addRecord(new TXTRecord(Name.fromString("_matrix", origin), DClass.IN, 300, "@alice:example.org"),
				Section.ANSWER);
		foreign.addRecord(new org.xbill.DNS.CNAMERecord(Name.fromString("www", origin), DClass.IN, 300,
				name("example.org.")), Section.ANSWER);
		byte[] plainPkarr = foreign.toWire();
		Message ours = new Message(foreign.toWire());
		ours.addRecord(new SRVRecord(Name.fromString("_peercollab._tcp", origin), DClass.IN, 300, 0, 0, 4711,
				Name.fromString("e0", origin)), Section.ANSWER);
		ours.addRecord(new ARecord(Name.fromString("e0", origin), DClass.IN, 300,
				InetAddress.getByName("203.0.113.7")), Section.ANSWER);
		ours.addRecord(new TXTRecord(Name.fromString("_peercollab", origin), DClass.IN, 300, "v=1"), Section.ANSWER);

		assertThat(PkarrCodec.decode(key, ours.toWire()).endPoints()).containsExactly(endPoint("203.0.113.7", 4711));
		assertRefused(() -> PkarrCodec.decode(key, plainPkarr), Check.NO_PEERCOLLAB_RECORD,
				"No PeerCollab record here: a Pkarr record of 3 records without the TXT _peercollab." + origin);
	}

	@Test
	void aRecordWithVersionOneAmongOthersIsRead() throws Exception {
		byte[] key = MutableItem.rawKey(ed25519().getPublic());
		Message message = new Message(PkarrCodec.encode(key, List.of(endPoint("203.0.113.7", 4711)), TTL));
		message.addRecord(new TXTRecord(Name.fromString("_peercollab", PkarrCodec.origin(key)), DClass.IN, 60,
				"v=2"), Section.ANSWER);

		assertThat(PkarrCodec.decode(key, message.toWire()).endPoints()).containsExactly(endPoint("203.0.113.7", 4711));
	}

	/**
	 * Our one-endpoint record padded with a TXT {@code _pad} to exactly {@code size} bytes.
	 */
	private static byte[] packetOf(byte[] key, int size) throws Exception {
		byte[] base = PkarrCodec.encode(key, List.of(endPoint("203.0.113.7", 4711)), TTL);
		int pad = size - base.length;
		for (int attempt = 0; attempt < 8; attempt++) {
			Message message = new Message(base);
			List<String> strings = new java.util.ArrayList<>();
			for (int left = Math.max(0, pad); left > 0; left -= 200) {
				strings.add("x".repeat(Math.min(200, left)));
			}
			message.addRecord(new TXTRecord(Name.fromString("_pad", PkarrCodec.origin(key)), DClass.IN, 60, strings),
					Section.ANSWER);
			byte[] packet = message.toWire();
			if (packet.length == size) {
				return packet;
			}
			pad += size - packet.length;
		}
		throw new AssertionError("cannot pad to " + size);
	}

	@Test
	void pkarrsLimitIsOnTheDnsPacketSo997To999BytesAreReadAndMayBePublished() throws Exception {
		KeyPair owner = ed25519();
		byte[] key = MutableItem.rawKey(owner.getPublic());
		long now = MutableItem.nowMicros();
		for (int size : new int[] {996, 997, 998, 999, 1000}) {
			byte[] packet = packetOf(key, size);
			MutableItem item = MutableItem.sign(owner.getPrivate(), key, now, packet);
			assertThat(item.value()).as("bencoded").hasSize(size + String.valueOf(size).length() + 1);

			assertThat(PkarrCodec.verify(key, item, -1, now).endPoints()).as(size + " bytes")
					.containsExactly(endPoint("203.0.113.7", 4711));
			if (size < 1000) {
				assertThat(PkarrCodec.requirePublishable(packet, 1)).isSameAs(packet);
			}
		}
		byte[] thousand = packetOf(key, 1000);
		assertThatThrownBy(() -> PkarrCodec.requirePublishable(thousand, 1))
				.isInstanceOf(io.peercollab.PayloadTooLargeException.class)
				.hasMessageContaining("1000-byte DNS packet (1005 bytes bencoded)")
				.hasMessageContaining("limit of 999 bytes");
		byte[] tooLarge = packetOf(key, 1001);
		assertRefused(() -> PkarrCodec.decode(key, tooLarge), Check.TOO_LARGE, "1001 bytes, over Pkarr's limit of 1000");
	}

	@Test
	void aRecordTooLargeForPkarrIsRefusedBeforePublishingNamingBothSizes() throws Exception {
		byte[] key = MutableItem.rawKey(ed25519().getPublic());
		List<PeerEndPoint> many = new java.util.ArrayList<>();
		for (int i = 0; i < 10; i++) {
			many.add(endPoint("2001:db8::" + (i + 1), 40_000 + i));
		}
		byte[] packet = PkarrCodec.encode(key, many, TTL);

		assertThatThrownBy(() -> PkarrCodec.requirePublishable(packet, many.size()))
				.isInstanceOf(io.peercollab.PayloadTooLargeException.class)
				.hasMessage("The DHT record for 10 endpoints is a " + packet.length + "-byte DNS packet ("
						+ (packet.length + 5) + " bytes bencoded), over Pkarr's limit of 999 bytes (a DNS packet under"
						+ " 1000 bytes): publish fewer endpoints");
	}

	/** The sizes DHT-RECORD.md gives: 109 bytes of overhead, 94 per IPv4 and 106 per IPv6 endpoint (up to e9). */
	@Test
	void recordSizesAreAsDocumented() throws Exception {
		byte[] key = MutableItem.rawKey(ed25519().getPublic());
		List<PeerEndPoint> v4 = new java.util.ArrayList<>();
		List<PeerEndPoint> v6 = new java.util.ArrayList<>();
		for (int i = 1; i <= 10; i++) {
			v4.add(endPoint("198.51.100." + i, 4000 + i));
			v6.add(endPoint("2001:db8::" + i, 4000 + i));
		}

		assertThat(PkarrCodec.encode(key, List.of(), TTL)).hasSize(92);
		assertThat(PkarrCodec.encode(key, v4.subList(0, 1), TTL)).hasSize(109 + 94);
		assertThat(PkarrCodec.encode(key, v4.subList(0, 9), TTL)).hasSize(955);
		assertThat(PkarrCodec.encode(key, v6.subList(0, 8), TTL)).hasSize(109 + 8 * 106);
		List<PeerEndPoint> mixed = new java.util.ArrayList<>(v4.subList(0, 6));
		mixed.addAll(v6.subList(0, 3));
		assertThat(PkarrCodec.encode(key, mixed, TTL)).hasSize(991);
		assertThat(PkarrCodec.encode(key, v4, TTL).length).isGreaterThan(PkarrCodec.MAX_PACKET_LENGTH);
		assertThat(PkarrCodec.encode(key, v6.subList(0, 9), TTL).length).isGreaterThan(PkarrCodec.MAX_PACKET_LENGTH);
	}

	/**
	 * A record npm {@code pkarr} 1.3.0 signed, with names as a Pkarr user writes them (SRV targets {@code e0} and
	 * {@code e1}, relative) and foreign records besides; see {@code make-pkarr-fixture.mjs} next to the resource.
	 */
	@Test
	void aRecordSignedByNpmPkarrWithRelativeNamesResolvesWithEachEndpointsTtl() throws Exception {
		java.util.Map<String, String> fixture = new java.util.HashMap<>();
		try (java.io.InputStream in = PkarrCodecTest.class.getResourceAsStream("pkarr-npm-1.3.0-relative-names.txt")) {
			assertThat(in).isNotNull();
			for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
				if (!line.startsWith("#") && line.contains("=")) {
					fixture.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1).trim());
				}
			}
		}
		byte[] key = HexFormat.of().parseHex(fixture.get("key"));
		long seq = Long.parseLong(fixture.get("seq"));
		byte[] packet = HexFormat.of().parseHex(fixture.get("v"));
		MutableItem item = new MutableItem(key, seq, MutableItem.bencodeBytes(packet),
				HexFormat.of().parseHex(fixture.get("sig")));
		assertThat(ZBase32.encode(key)).isEqualTo(fixture.get("z32"));

		PkarrCodec.Decoded decoded = PkarrCodec.verify(key, item, -1, seq);

		assertThat(decoded.endpoints()).containsExactly(
				new PkarrCodec.Endpoint(endPoint("203.0.113.7", 4711), Duration.ofSeconds(600)),
				new PkarrCodec.Endpoint(endPoint("2001:db8::7", 4712), Duration.ofSeconds(60)));
	}
}
