package io.peercollab.dht;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

import io.peercollab.InvalidRequestException;
import io.peercollab.PeerEndPoint;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;

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
		assertThat(decoded.timeToLive()).isEqualTo(TTL);
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
				.hasMessageContaining("outside its key's origin");
	}

	@Test
	void aRecordWithoutVersionIsRejected() throws Exception {
		byte[] key = MutableItem.rawKey(ed25519().getPublic());
		Message message = new Message(0);
		message.getHeader().setFlag(Flags.QR);

		assertThatThrownBy(() -> PkarrCodec.decode(key, message.toWire()))
				.isInstanceOf(InvalidRequestException.class)
				.hasMessageContaining("no version");
	}

	@Test
	void aRecordWithAnotherVersionIsRejected() throws Exception {
		byte[] key = MutableItem.rawKey(ed25519().getPublic());
		Message message = new Message(0);
		message.addRecord(new TXTRecord(Name.fromString("_peercollab", PkarrCodec.origin(key)), DClass.IN, 60,
				"v=2"), Section.ANSWER);

		assertThatThrownBy(() -> PkarrCodec.decode(key, message.toWire()))
				.isInstanceOf(InvalidRequestException.class)
				.hasMessageContaining("version 'v=2'");
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
		assertThatThrownBy(() -> PkarrCodec.verify(key, good, now + 1, now)).hasMessageContaining("stale");
		assertThatThrownBy(() -> PkarrCodec.verify(key, good, -1, now + PkarrCodec.MAX_AGE_MICROS + 1))
				.hasMessageContaining("older than 2 hours");
		MutableItem forged = MutableItem.sign(ed25519().getPrivate(), key, now, packet);
		assertThatThrownBy(() -> PkarrCodec.verify(key, forged, -1, now)).hasMessageContaining("signature");
		MutableItem big = MutableItem.sign(owner.getPrivate(), key, now, new byte[1001]);
		assertThatThrownBy(() -> PkarrCodec.verify(key, big, -1, now)).hasMessageContaining("limit of 1000");
		MutableItem notBytes = new MutableItem(key, now, "i42e".getBytes(), good.signature());
		assertThatThrownBy(() -> PkarrCodec.verify(key, notBytes, -1, now))
				.isInstanceOf(InvalidRequestException.class);
	}
}
