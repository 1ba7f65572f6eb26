// SPDX-License-Identifier: Apache-2.0
package io.peercollab.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PeerNameTest {

	private static final String AUTHORITY = "mfrggzdfmztwq2lknnwg23tpobyxe43uov3ho6dzpjqwcylbmfqq";

	private static PeerIdentity alice;
	private static PeerIdentity bob;

	@BeforeAll
	static void generateIdentities() {
		// Key generation is slow: once for the whole class.
		alice = PeerIdentity.generate("alice");
		bob = PeerIdentity.generate("bob", KeyType.ED25519);
	}

	@Test
	void parsePrintsBackTheSameText() {
		for (String text : List.of(AUTHORITY + ".alice", "0.bob", AUTHORITY + ".a.b.c", AUTHORITY + ".Ünïcødé😀",
				"0.a,b+c=d")) {
			PeerName name = PeerName.parse(text);
			assertThat(name.toString()).isEqualTo(text);
			assertThat(PeerName.parse(name.toString())).isEqualTo(name);
		}
	}

	@Test
	void parseSplitsAtTheFirstDot() {
		PeerName name = PeerName.parse(AUTHORITY + ".laptop.home");

		assertThat(name.authority()).isEqualTo(AUTHORITY);
		assertThat(name.classifier()).isEqualTo("laptop.home");
	}

	@Test
	void ofAndParseAgree() {
		assertThat(PeerName.of(AUTHORITY, "alice")).isEqualTo(PeerName.parse(AUTHORITY + ".alice"));
		assertThat(PeerName.unsecured("alice")).isEqualTo(PeerName.parse("0.alice"));
	}

	@Test
	void equalNamesHaveEqualHashCodesAndCompareAsEqual() {
		PeerName a = PeerName.parse(AUTHORITY + ".alice");
		PeerName b = PeerName.of(AUTHORITY, "alice");

		assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
		assertThat(a.compareTo(b)).isZero();
		assertThat(a).isNotEqualTo(PeerName.of(AUTHORITY, "Alice"));
		assertThat(a).isNotEqualTo(PeerName.unsecured("alice"));
		assertThat(a).isNotEqualTo(AUTHORITY + ".alice");
		assertThat(a).isNotEqualTo(null);
	}

	@Test
	void namesOrderByTheirText() {
		List<PeerName> names = new ArrayList<>(List.of(PeerName.parse(AUTHORITY + ".b"),
				PeerName.parse("0.zed"), alice.name(), PeerName.parse(AUTHORITY + ".a"), bob.name(),
				PeerName.parse("0.alpha")));
		List<String> texts = new ArrayList<>(names.stream().map(PeerName::toString).toList());

		names.sort(null);
		texts.sort(null);

		assertThat(names).extracting(PeerName::toString).containsExactlyElementsOf(texts);
	}

	@Test
	void compareToIsAntisymmetricAndConsistentWithEquals() {
		PeerName a = PeerName.parse(AUTHORITY + ".a");
		PeerName b = PeerName.parse(AUTHORITY + ".b");

		assertThat(a.compareTo(b)).isNegative();
		assertThat(b.compareTo(a)).isPositive();
		assertThat(a.compareTo(PeerName.parse(a.toString()))).isZero();
	}

	@Test
	void securedAuthorityIs52CharactersOfBase32SafeForADnsLabel() {
		for (PeerIdentity identity : List.of(alice, bob)) {
			String authority = identity.name().authority();

			assertThat(authority).hasSize(PeerName.SECURED_AUTHORITY_LENGTH).hasSize(52).matches("[a-z2-7]{52}");
			// A DNS label: at most 63 characters, letters, digits and hyphens, no hyphen at either end.
			assertThat(authority.length()).isLessThanOrEqualTo(63);
			assertThat(authority).matches("[a-z0-9]([a-z0-9-]*[a-z0-9])?");
		}
	}

	@Test
	void securedNameMatchesItsCertificateAndNotAnother() {
		assertThat(alice.name().matches(alice.certificate())).isTrue();
		assertThat(alice.name().matches(alice.publicKey())).isTrue();
		assertThat(bob.name().matches(bob.certificate())).isTrue();

		assertThat(alice.name().matches(bob.certificate())).isFalse();
		assertThat(bob.name().matches(alice.publicKey())).isFalse();
		assertThat(alice.name().matches((java.security.cert.X509Certificate) null)).isFalse();
		assertThat(alice.name().matches((java.security.PublicKey) null)).isFalse();
	}

	@Test
	void theClassifierDoesNotTakePartInMatching() {
		PeerName other = PeerName.secured(alice.certificate(), "someone-else");

		assertThat(other.matches(alice.certificate())).isTrue();
		assertThat(other).isNotEqualTo(alice.name());
	}

	@Test
	void unsecuredNameMatchesNothing() {
		PeerName unsecured = PeerName.parse("0.alice");

		assertThat(unsecured.isSecured()).isFalse();
		assertThat(unsecured.authority()).isEqualTo(PeerName.UNSECURED_AUTHORITY);
		assertThat(unsecured.matches(alice.certificate())).isFalse();
		assertThat(unsecured.matches(bob.certificate())).isFalse();
		assertThat(unsecured.matches(alice.publicKey())).isFalse();
	}

	@Test
	void isSecuredTellsSecuredFromUnsecured() {
		assertThat(alice.name().isSecured()).isTrue();
		assertThat(PeerName.parse(AUTHORITY + ".x").isSecured()).isTrue();
		assertThat(PeerName.unsecured("x").isSecured()).isFalse();
	}

	@Test
	void authorityIsBase32OfSha256OfTheSubjectPublicKeyInfo() throws Exception {
		for (PeerIdentity identity : List.of(alice, bob)) {
			byte[] spki = identity.certificate().getPublicKey().getEncoded();
			String expected = base32(MessageDigest.getInstance("SHA-256").digest(spki));

			assertThat(identity.name().authority()).isEqualTo(expected);
			assertThat(PeerName.authorityOf(identity.publicKey())).isEqualTo(expected);
			assertThat(PeerName.secured(identity.certificate(), "x").authority()).isEqualTo(expected);
		}
	}

	@Test
	void theTestsBase32FollowsRfc4648() {
		// RFC 4648 section 10 test vectors, lower case and without padding.
		assertThat(base32(bytes(""))).isEmpty();
		assertThat(base32(bytes("f"))).isEqualTo("my");
		assertThat(base32(bytes("fo"))).isEqualTo("mzxq");
		assertThat(base32(bytes("foo"))).isEqualTo("mzxw6");
		assertThat(base32(bytes("foob"))).isEqualTo("mzxw6yq");
		assertThat(base32(bytes("fooba"))).isEqualTo("mzxw6ytb");
		assertThat(base32(bytes("foobar"))).isEqualTo("mzxw6ytboi");
	}

	@Test
	void aClassifierOf149CharactersIsTheLongestAllowed() {
		String longest = "c".repeat(PeerName.MAX_CLASSIFIER_LENGTH);

		assertThat(PeerName.of(AUTHORITY, longest).classifier()).isEqualTo(longest);
		assertThat(PeerName.MAX_CLASSIFIER_LENGTH).isEqualTo(149);
	}

	@Test
	void textWithoutADotIsRejected() {
		assertThatThrownBy(() -> PeerName.parse("alice")).isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("authority.classifier").hasMessageContaining("no '.'");
	}

	@Test
	void anEmptyClassifierIsRejected() {
		assertThatThrownBy(() -> PeerName.parse(AUTHORITY + ".")).isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("classifier").hasMessageContaining("1 to 149").hasMessageContaining("was 0");
		assertThatThrownBy(() -> PeerName.unsecured("")).isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("classifier");
	}

	@ParameterizedTest
	@ValueSource(strings = { "ali ce", " alice", "alice ", "a\tb", "a\nb", "a\rb", "a\u0000b", "a\u0007b", "a\u007fb",
			"a\u0085b", "a\u00a0b", "a\u2007b", "a\u202fb", "a\u2003b", "a\u3000b", "a\u2028b" })
	void whiteSpaceAndControlCharactersInTheClassifierAreRejected(String classifier) {
		assertThatThrownBy(() -> PeerName.of(AUTHORITY, classifier)).isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("white space or control characters").hasMessageContaining("U+");
		assertThatThrownBy(() -> PeerName.parse("0." + classifier)).isInstanceOf(IllegalArgumentException.class);
	}

	@ParameterizedTest
	@ValueSource(strings = { "a\ud800", "\udc00a", "a\udc00\ud800b" })
	void unpairedSurrogatesInTheClassifierAreRejected(String classifier) {
		assertThatThrownBy(() -> PeerName.unsecured(classifier)).isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("unpaired surrogate");
	}

	@Test
	void pairedSurrogatesInTheClassifierAreAccepted() {
		assertThat(PeerName.unsecured("smile😀").classifier()).isEqualTo("smile😀");
	}

	@Test
	void aClassifierOf150CharactersIsRejected() {
		assertThatThrownBy(() -> PeerName.of(AUTHORITY, "c".repeat(150))).isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("1 to 149 characters").hasMessageContaining("was 150");
	}

	@ParameterizedTest
	@ValueSource(ints = { 0, 1, 2, 51, 53, 63, 64 })
	void anAuthorityOfTheWrongLengthIsRejected(int length) {
		String authority = "a".repeat(length);

		assertThatThrownBy(() -> PeerName.of(authority, "alice")).isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("'0' or 52 base32 characters").hasMessageContaining("was " + length);
	}

	@ParameterizedTest
	@ValueSource(strings = { "0", "1", "8", "9", "-", "_", "=", "é", " " })
	void anAuthorityWithCharactersOutsideBase32IsRejected(String bad) {
		String authority = AUTHORITY.substring(0, 20) + bad + AUTHORITY.substring(21);

		assertThatThrownBy(() -> PeerName.of(authority, "alice")).isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("only a-z and 2-7").hasMessageContaining("at 20");
	}

	@Test
	void anUpperCaseAuthorityIsRejected() {
		String upper = alice.name().authority().toUpperCase(java.util.Locale.ROOT);

		assertThatThrownBy(() -> PeerName.parse(upper + ".alice")).isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("only a-z and 2-7");
	}

	@Test
	void anUnsecuredAuthorityOtherThanZeroIsRejected() {
		assertThatThrownBy(() -> PeerName.parse("00.alice")).isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("authority");
	}

	@Test
	void nullsAreRejectedByName() {
		assertThatThrownBy(() -> PeerName.parse(null)).isInstanceOf(NullPointerException.class)
				.hasMessageContaining("text");
		assertThatThrownBy(() -> PeerName.of(null, "a")).isInstanceOf(NullPointerException.class)
				.hasMessageContaining("authority");
		assertThatThrownBy(() -> PeerName.of(AUTHORITY, null)).isInstanceOf(NullPointerException.class)
				.hasMessageContaining("classifier");
	}

	@Test
	void aVeryLongInvalidTextIsAbbreviatedInTheMessage() {
		String text = "x".repeat(10_000);

		assertThatThrownBy(() -> PeerName.parse(text)).isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("...").message().hasSizeLessThan(200);
	}

	private static byte[] bytes(String s) {
		return s.getBytes(StandardCharsets.US_ASCII);
	}

	/** RFC 4648 base32, lower case, no padding: written apart from PeerName's so that one checks the other. */
	private static String base32(byte[] data) {
		String alphabet = "abcdefghijklmnopqrstuvwxyz234567";
		StringBuilder bits = new StringBuilder();
		for (byte b : data) {
			bits.append(String.format("%8s", Integer.toBinaryString(b & 0xff)).replace(' ', '0'));
		}
		while (bits.length() % 5 != 0) {
			bits.append('0');
		}
		StringBuilder out = new StringBuilder();
		for (int i = 0; i < bits.length(); i += 5) {
			out.append(alphabet.charAt(Integer.parseInt(bits.substring(i, i + 5), 2)));
		}
		return out.toString();
	}

	@Test
	void aPlainLowercaseClassifierIsItsOwnHostNameLabels() {
		PeerName laptop = PeerName.of(AUTHORITY, "laptop");
		PeerName dotted = PeerName.of(AUTHORITY, "home.laptop-2");

		assertThat(laptop.toHostName()).isEqualTo("laptop." + AUTHORITY);
		assertThat(dotted.toHostName()).isEqualTo("home.laptop-2." + AUTHORITY);
		assertThat(PeerName.fromHostName("LAPTOP." + AUTHORITY.toUpperCase() + ".")).isEqualTo(laptop);
		assertThat(PeerName.fromHostName(dotted.toHostName())).isEqualTo(dotted);
		assertThat(PeerName.unsecured("laptop").toHostName()).isEqualTo("laptop.0");
	}

	@ParameterizedTest
	@ValueSource(strings = {"Alice", "jos\u00e9", "jose\u0301", "pc--trick", "ab--cd", "-edge", "a..b", "\u00c5sa@home",
			"\ud83d\ude00", "x"})
	void anyOtherClassifierGoesThroughBase32AndComesBackExactly(String classifier) {
		PeerName name = PeerName.of(AUTHORITY, classifier);

		String host = name.toHostName();
		assertThat(host).hasSizeLessThanOrEqualTo(PeerName.MAX_HOST_NAME_LENGTH).matches("[a-z0-9.-]+");
		assertThat(host.split("\\.")).allSatisfy(label -> assertThat(label).hasSizeBetween(1, 63));
		assertThat(PeerName.fromHostName(host)).isEqualTo(name);
		// DNS may hand it back in another case: the classifier's own case survives
		assertThat(PeerName.fromHostName(host.toUpperCase())).isEqualTo(name);
		if (!classifier.equals("x")) {
			assertThat(host).startsWith("pc--");
		}
	}

	@Test
	void aClassifierTooLongForDnsHasNoHostNameAndBadHostNamesAreRefusedByPart() {
		String longest = "A".repeat(120);
		assertThat(PeerName.fromHostName(PeerName.of(AUTHORITY, longest).toHostName()).classifier()).isEqualTo(longest);
		PeerName tooLong = PeerName.of(AUTHORITY, "A".repeat(PeerName.MAX_CLASSIFIER_LENGTH));
		assertThatThrownBy(tooLong::toHostName).isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("over the limit of 253");
		PeerName plainLong = PeerName.of(AUTHORITY, "a".repeat(63) + "." + "b".repeat(63) + "." + "c".repeat(19));
		assertThat(PeerName.fromHostName(plainLong.toHostName())).isEqualTo(plainLong);

		assertThatThrownBy(() -> PeerName.fromHostName(AUTHORITY)).hasMessageContaining("found no '.'");
		assertThatThrownBy(() -> PeerName.fromHostName("pc--a1." + AUTHORITY)).hasMessageContaining("a-z and 2-7");
		assertThatThrownBy(() -> PeerName.fromHostName("pc--74." + AUTHORITY)).hasMessageContaining("not UTF-8");
		assertThatThrownBy(() -> PeerName.fromHostName("a_b." + AUTHORITY)).hasMessageContaining("neither plain");
		assertThatThrownBy(() -> PeerName.fromHostName("laptop.short")).hasMessageContaining("authority");
		assertThatThrownBy(() -> PeerName.fromHostName("x".repeat(254))).hasMessageContaining("at most 253");
	}

	@Test
	void classifiersAreNfcNormalisedSoComposedAndDecomposedFormsAreOneName() {
		PeerName composed = PeerName.unsecured("Caf\u00e9");
		PeerName decomposed = PeerName.unsecured("Cafe\u0301");
		assertThat(decomposed).isEqualTo(composed).hasSameHashCodeAs(composed);
		assertThat(decomposed.classifier()).isEqualTo("Caf\u00e9");
		assertThat(PeerName.parse("0.Cafe\u0301").toString()).isEqualTo("0.Caf\u00e9");
		assertThat(composed.compareTo(decomposed)).isZero();
		// Hangul jamo compose too; a compatibility character (the ligature fi) is left as it is: NFC, not NFKC
		assertThat(PeerName.unsecured("\u1100\u1161").classifier()).isEqualTo("\uac00");
		assertThat(PeerName.unsecured("\ufb01le").classifier()).isEqualTo("\ufb01le");
	}

	@Test
	void classifiersCompareCaseSensitively() {
		assertThat(PeerName.unsecured("alice")).isNotEqualTo(PeerName.unsecured("Alice"));
		assertThat(PeerName.unsecured("\u00c9mile")).isNotEqualTo(PeerName.unsecured("\u00e9mile"));
		assertThat(PeerName.unsecured("E\u0301mile")).isEqualTo(PeerName.unsecured("\u00c9mile"));
	}

	@Test
	void aDecomposedClassifierInACertificateNamesTheSamePeerAsTheComposedOne() {
		io.peercollab.identity.PeerIdentity id = io.peercollab.identity.PeerIdentity.generate("Cafe\u0301");
		assertThat(id.name()).isEqualTo(PeerName.secured(id.certificate(), "Caf\u00e9"));
		assertThat(PeerName.of(id.certificate())).isEqualTo(id.name());
	}
}
