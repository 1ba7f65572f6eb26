// SPDX-License-Identifier: Apache-2.0
package io.peercollab.discovery;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

import io.peercollab.MessageText;
import io.peercollab.discovery.AnnouncementCodec.Empty;
import io.peercollab.discovery.AnnouncementCodec.Malformed;
import io.peercollab.discovery.AnnouncementCodec.Valid;
import io.peercollab.identity.PeerName;
import io.peercollab.spi.Announcement;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MdnsAnnouncementCodecTest {

	static final PeerName ALICE = PeerName.of("a".repeat(52), "alice");

	/** @return a TXT record of these raw strings, each prefixed with its length */
	static byte[] txt(byte[]... strings) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		for (byte[] s : strings) {
			out.write(s.length);
			out.write(s, 0, s.length);
		}
		return out.toByteArray();
	}

	static byte[] s(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

	@Test
	void anEncodedAnnouncementDecodesToItsNameAndNickname() {
		byte[] text = AnnouncementCodec.encode(new Announcement(ALICE, "Alice Liddell ✨", 4242));

		assertThat(AnnouncementCodec.decode(text, 4242)).isEqualTo(new Valid(ALICE, "Alice Liddell ✨", "", ""));
	}

	@Test
	void theEndpointAndMachineNamesTravelAndAreCutToOneTxtStringAtACharacter() {
		byte[] text = AnnouncementCodec.encode(new Announcement(ALICE, "Alice", 4242, false, "Cafe\u0301 laptop",
				"alice-pc"));
		assertThat(AnnouncementCodec.decode(text, 4242))
				.isEqualTo(new Valid(ALICE, "Alice", "Cafe\u0301 laptop", "alice-pc"));

		String long255 = "\u00e9".repeat(255);
		byte[] cut = AnnouncementCodec.encode(new Announcement(ALICE, "Alice", 4242, false, long255, ""));
		Valid read = (Valid) AnnouncementCodec.decode(cut, 4242);
		assertThat(read.endPointName()).as("252 bytes of UTF-8 fit after en=: 126 two-byte characters")
				.isEqualTo("\u00e9".repeat(126));
		assertThat(read.machineName()).isEmpty();
	}

	@Test
	void anOlderPeerWithoutEndpointNameIsValid() {
		byte[] text = txt(s("v=1"), s("pn=" + ALICE), s("nn=Al"));

		assertThat(AnnouncementCodec.decode(text, 1)).isEqualTo(new Valid(ALICE, "Al", "", ""));
	}

	@Test
	void anEmptyNicknameIsValid() {
		byte[] text = txt(s("v=1"), s("pn=" + ALICE), s("nn="));

		assertThat(AnnouncementCodec.decode(text, 1)).isEqualTo(new Valid(ALICE, "", "", ""));
	}

	@Test
	void keysCompareWithoutCaseAndUnknownKeysAreIgnored() {
		byte[] text = txt(s("V=1"), s("PN=" + ALICE), s("Nn=Al"), s("future=\u0000\u00ff"), s("flag"));

		assertThat(AnnouncementCodec.decode(text, 1)).isEqualTo(new Valid(ALICE, "Al", "", ""));
	}

	@Test
	void noTxtDataIsEmptyNotMalformed() {
		assertThat(AnnouncementCodec.decode(null, 1)).isInstanceOf(Empty.class);
		assertThat(AnnouncementCodec.decode(new byte[0], 1)).isInstanceOf(Empty.class);
		assertThat(AnnouncementCodec.decode(new byte[] {0}, 1)).isInstanceOf(Empty.class);
	}

	@Test
	void missingKeysAreNamed() {
		assertThat(reason(txt(s("v=1")), 1)).contains("lacks the keys pn, nn");
		assertThat(reason(txt(s("v=1"), s("pn=" + ALICE)), 1)).contains("lacks the key nn");
	}

	@Test
	void aKeyWithoutValueIsMalformed() {
		assertThat(reason(txt(s("v"), s("pn=" + ALICE), s("nn=x")), 1)).contains("'v' has no value");
	}

	@Test
	void anotherProtocolVersionIsMalformed() {
		assertThat(reason(txt(s("v=2"), s("pn=" + ALICE), s("nn=x")), 1))
				.contains("speaks protocol version 2").contains("version 1");
		assertThat(reason(txt(s("v=one"), s("pn=" + ALICE), s("nn=x")), 1)).contains("'one' is not a number");
	}

	@Test
	void anUnparsableNameIsMalformed() {
		assertThat(reason(txt(s("v=1"), s("pn=not a name"), s("nn=x")), 1))
				.contains("'not a name' is not a PeerName");
	}

	@Test
	void aNicknameOverSixtyThreeCharactersIsMalformed() {
		assertThat(AnnouncementCodec.decode(txt(s("v=1"), s("pn=" + ALICE), s("nn=" + "x".repeat(63))), 1))
				.isInstanceOf(Valid.class);
		assertThat(reason(txt(s("v=1"), s("pn=" + ALICE), s("nn=" + "x".repeat(64))), 1))
				.contains("nickname is 64 characters long");
	}

	@Test
	void portZeroIsMalformed() {
		assertThat(reason(AnnouncementCodec.encode(new Announcement(ALICE, "a", 1)), 0)).contains("port 0");
	}

	@Test
	void aDuplicatedKeyIsMalformedWhateverItsCase() {
		assertThat(reason(txt(s("v=1"), s("pn=" + ALICE), s("nn=x"), s("NN=y")), 1))
				.contains("'nn' more than once");
	}

	@Test
	void bytesThatAreNotUtf8AreMalformed() {
		byte[] badNick = {'n', 'n', '=', (byte) 0xc3, (byte) 0x28};
		assertThat(reason(txt(s("v=1"), s("pn=" + ALICE), badNick), 1)).contains("'nn' is not valid UTF-8");

		byte[] badKey = {(byte) 0xff, (byte) 0xfe, '=', 'x'};
		assertThat(reason(txt(badKey), 1)).contains("0xff").contains("printable US-ASCII");
	}

	@Test
	void aTruncatedRecordIsMalformed() {
		assertThat(reason(new byte[] {9, 'v', '=', '1'}, 1)).contains("truncated");
		assertThat(reason(new byte[] {2, '=', '1'}, 1)).contains("empty key");
	}

	@Test
	void arbitraryGarbageNeverThrows() {
		java.util.Random random = new java.util.Random(42);
		for (int i = 0; i < 10_000; i++) {
			byte[] garbage = new byte[random.nextInt(64)];
			random.nextBytes(garbage);
			assertThat(AnnouncementCodec.decode(garbage, random.nextInt(70_000))).isNotNull();
		}
	}

	@Test
	void encodingRefusesANameThatDoesNotFitATxtString() {
		PeerName wide = PeerName.of("a".repeat(52), "é".repeat(149));

		assertThatThrownBy(() -> AnnouncementCodec.encode(new Announcement(wide, "a", 1)))
				.isInstanceOf(io.peercollab.PayloadTooLargeException.class)
				.hasMessageContaining("name must be at most 252 bytes of UTF-8");
	}

	@Test
	void instanceNamesFitOneDnsLabelAndStayUnique() {
		PeerName longName = PeerName.of("b".repeat(52), "ü".repeat(149));
		Set<String> names = new HashSet<>();
		for (int i = 0; i < 100; i++) {
			String name = AnnouncementCodec.instanceName(longName, String.format("%08x", i));
			assertThat(name.getBytes(StandardCharsets.UTF_8)).hasSizeLessThanOrEqualTo(63);
			names.add(name);
		}
		assertThat(names).hasSize(100);
	}

	@Test
	void instanceNamesKeepOnlyLettersDigitsAndSingleHyphens() {
		assertThat(AnnouncementCodec.instanceName(PeerName.of("abcdefgh" + "a".repeat(44), "alice.laptop//2"),
				"0000002a")).isEqualTo("alice-laptop-2-abcdefgh-0000002a");
		assertThat(AnnouncementCodec.instanceName(PeerName.unsecured("..."), "0000002a"))
				.isEqualTo("peer-0-0000002a");
	}

	@Test
	void aReasonQuotesNetworkTextWithoutControlCharactersAndCutShort() {
		String reason = reason(txt(s("v=1"), s("pn=a\nb\u0000" + "x".repeat(200)), s("nn=alice")), 1);

		assertThat(reason).startsWith("its name 'a?b?" + "x".repeat(MessageText.MAX_QUOTED_LENGTH - 4) + "...'")
				.doesNotContain("\n").doesNotContain("\u0000");
	}

	private static String reason(byte[] text, int port) {
		AnnouncementCodec.Decoded decoded = AnnouncementCodec.decode(text, port);
		assertThat(decoded).isInstanceOf(Malformed.class);
		return ((Malformed) decoded).reason();
	}
}
