// SPDX-License-Identifier: Apache-2.0
package io.peercollab.dht;

import static io.peercollab.PrivacyTable.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import io.peercollab.PeerEndPoint;
import io.peercollab.identity.PeerIdentity;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;
import org.xbill.DNS.Message;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/**
 * The privacy table's column "anyone reading the DHT": what the record an endpoint publishes while signed in to
 * {@code INTERNET} carries, cell by cell. Anyone who knows the public key can fetch it; anyone crawling the DHT can
 * fetch every record it meets.
 */
class DhtRecordPrivacyTest {

	private static final PeerIdentity ALICE = PeerIdentity.generate("alice-laptop");
	private static final byte[] KEY = MutableItem.rawKey(ALICE.publicKey());
	private static final List<PeerEndPoint> ADVERTISED = List.of(
			new PeerEndPoint("eth0 at home", new InetSocketAddress(address("203.0.113.7"), 4711)),
			new PeerEndPoint("wlan0", new InetSocketAddress(address("2001:db8::10"), 4711)));
	private static final byte[] PACKET = PkarrCodec.encode(KEY, ADVERTISED, Duration.ofHours(1));
	private static final String TEXT = new String(PACKET, StandardCharsets.ISO_8859_1);

	private static InetAddress address(String literal) {
		try {
			return InetAddress.getByName(literal);
		}
		catch (java.net.UnknownHostException e) {
			throw new AssertionError(e);
		}
	}

	private static List<Record> records() throws Exception {
		return new Message(PACKET).getSection(Section.ANSWER);
	}

	@TestFactory
	Stream<DynamicTest> everyRowOfTheDhtColumn() {
		Map<String, Executable> cells = new LinkedHashMap<>();
		cells.put(PEER_NAME, () -> {
			assertThat(records()).allSatisfy(r -> assertThat(r.getName().toString())
					.endsWith(PkarrCodec.origin(KEY).toString()));
			assertThat(TEXT).as("the classifier is not in the record, only the key")
					.doesNotContain("alice").doesNotContain("laptop");
			byte[] certificate = ALICE.certificate().getEncoded();
			assertThat(TEXT).doesNotContain(new String(certificate, StandardCharsets.ISO_8859_1));
		});
		cells.put(NICKNAME, () -> assertThat(records()).extracting(Record::getType)
				.containsOnly(Type.SRV, Type.A, Type.AAAA, Type.TXT));
		cells.put(DISPLAY_NAME, DhtRecordPrivacyTest::onlyTheVersionText);
		cells.put(EMAIL, () -> assertThat(TEXT).doesNotContain("@"));
		cells.put(PICTURE, DhtRecordPrivacyTest::onlyTheVersionText);
		cells.put(NAMES, () -> assertThat(TEXT).doesNotContain("eth0").doesNotContain("wlan0").doesNotContain("home"));
		cells.put(ADDRESSES, () -> assertThat(PkarrCodec.decode(KEY, PACKET).endPoints())
				.extracting(PeerEndPoint::address)
				.containsExactly(ADVERTISED.get(0).address(), ADVERTISED.get(1).address()));
		cells.put(PRESENCE, DhtRecordPrivacyTest::onlyTheVersionText);
		cells.put(APPLICATIONS, DhtRecordPrivacyTest::onlyTheVersionText);
		cells.put(OBJECTS, DhtRecordPrivacyTest::onlyTheVersionText);
		cells.put(SIGNED_IN, () -> {
			assertThat(PkarrCodec.decode(KEY, PACKET).endPoints()).as("signed in: the endpoints").isNotEmpty();
			byte[] signedOut = PkarrCodec.encode(KEY, List.of(), Duration.ofHours(1));
			assertThat(PkarrCodec.decode(KEY, signedOut).endPoints()).as("signed out: a record without any")
					.isEmpty();
		});
		assertThat(cells.keySet()).containsExactlyElementsOf(ROWS);
		return cells.entrySet().stream().map(c -> DynamicTest.dynamicTest(c.getKey() + " / " + DHT, c.getValue()));
	}

	/** The one text the record holds is the protocol version. */
	private static void onlyTheVersionText() throws Exception {
		assertThat(records()).filteredOn(r -> r.getType() == Type.TXT).singleElement()
				.satisfies(r -> assertThat(((TXTRecord) r).getStrings()).containsExactly(PkarrCodec.VERSION));
		assertThat(records()).extracting(Record::getType).containsOnly(Type.SRV, Type.A, Type.AAAA, Type.TXT);
	}
}
