// SPDX-License-Identifier: Apache-2.0
package io.peercollab.contact;

import java.io.ByteArrayInputStream;
import java.io.StringReader;
import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;

import io.peercollab.InvalidContactCardException;
import io.peercollab.PeerEndPoint;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;
import io.peercollab.internal.card.ContactCardCodec;
import org.assertj.core.api.AbstractThrowableAssert;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.xml.sax.InputSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

class ContactCardCodecTest {

	private static final String OPEN = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			+ "<peercollab-contact-card xmlns=\"urn:peercollab:contact-card:1\" version=\"1\">\n";
	private static final String CLOSE = "\n</peercollab-contact-card>\n";

	private static final String TRICKY_NICKNAME = "Ålïçé 😀 <b>&amp;</b> \"q\" 'a' ]]> --> <!-- &#x41; %p; &x;";

	/** A fixed self-signed EC P-256 certificate, so that a mutation seed replays on the very same card. */
	private static final String FIXED_CERTIFICATE = "MIIBlDCCATugAwIBAgIQQvLqAXANzivsZYgplGc7mDAKBggqhkjOPQQDAjAsMRUwEwYDVQQDDAxhbGljZS1sYXB0b3AxEzARBgNV"
			+ "BAoMClBlZXJDb2xsYWIwHhcNMjYxMTI3MjAxMjU5WhcNMzYxMTI1MjAxMjU5WjAsMRUwEwYDVQQDDAxhbGljZS1sYXB0b3AxEzAR"
			+ "BgNVBAoMClBlZXJDb2xsYWIwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATyg4z6Ak0Ij9taeIY6GWXWiFikwIAFob7Xrg1/aI+D"
			+ "xeziOp1haBbGBxUgGFcjQFkwtQ08KEx9AIA/LXKZI0KUoz8wPTAMBgNVHRMBAf8EAjAAMA4GA1UdDwEB/wQEAwIHgDAdBgNVHSUE"
			+ "FjAUBggrBgEFBQcDAQYIKwYBBQUHAwIwCgYIKoZIzj0EAwIDRwAwRAIgPxALKUG+fB6RL+qu4kY1HlFIJYm/VLCeIvk4uygvFhUC"
			+ "IB6yt4/EjBD3EZbfMjWSQZ0oT3Qn2pxkjiffTbzucdXm";

	private static PeerIdentity alice;
	private static PeerIdentity bob;
	private static PeerIdentity carol;
	private static PeerContact full;

	@TempDir
	Path dir;

	@BeforeAll
	static void generateIdentities() throws Exception {
		// Key generation is slow: once for the whole class.
		alice = PeerIdentity.generate("alice");
		bob = PeerIdentity.generate("bob");
		carol = PeerIdentity.generate("carol", KeyType.ED25519);
		full = new PeerContact(alice.name(), TRICKY_NICKNAME, "Alice Liddell", "alice@example.org",
				alice.certificate(),
				List.of(endPoint("eth0", "192.0.2.1", 4000), endPoint("wlan0 (v6)", "2001:db8::1", 65535),
						endPoint("", "::1", 1), endPoint("lo", "127.0.0.1", 7000)),
				true, SubscribeAllowed.BLOCKED);
	}

	// ------------------------------------------------------------------ round trips

	@Test
	void everyFieldSurvivesARoundTrip() throws Exception {
		PeerContact back = ContactCardCodec.fromXml(ContactCardCodec.toXml(full));

		assertThat(back).isEqualTo(full.withSubscribed(false).withSubscribeAllowed(SubscribeAllowed.ALLOWED));
		assertThat(back.name()).isEqualTo(alice.name());
		assertThat(back.nickname()).isEqualTo(TRICKY_NICKNAME);
		assertThat(back.displayName()).isEqualTo("Alice Liddell");
		assertThat(back.email()).isEqualTo("alice@example.org");
		assertThat(back.certificate().getEncoded()).isEqualTo(alice.certificate().getEncoded());
		assertThat(back.endPoints()).containsExactlyElementsOf(full.endPoints());
		assertThat(back.endPoints().get(0).tcpAddress().getAddress()).isInstanceOf(Inet4Address.class);
		assertThat(back.endPoints().get(1).tcpAddress().getAddress()).isInstanceOf(Inet6Address.class);
		assertThat(back.endPoints().get(1).tcpAddress().getAddress().getAddress())
				.isEqualTo(InetAddress.getByName("2001:db8::1").getAddress());
		assertThat(back.endPoints().get(1).tcpAddress().getPort()).isEqualTo(65535);
		assertThat(back.endPoints().get(1).name()).isEqualTo("wlan0 (v6)");
		assertThat(back.subscribed()).as("the writer's own setting does not travel").isFalse();
		assertThat(back.subscribeAllowed()).as("the writer's own setting does not travel")
				.isEqualTo(SubscribeAllowed.ALLOWED);
		assertThat(back.name().matches(back.certificate())).isTrue();
	}

	@Test
	void aContactWithOnlyDefaultsSurvivesARoundTrip() {
		PeerContact plain = PeerContact.of(bob.name(), null, bob.certificate());

		PeerContact back = ContactCardCodec.fromXml(ContactCardCodec.toXml(plain));

		assertThat(back).isEqualTo(plain);
		assertThat(back.subscribed()).isFalse();
		assertThat(back.subscribeAllowed()).isEqualTo(SubscribeAllowed.ALLOWED);
		assertThat(back.endPoints()).isEmpty();
	}

	@Test
	void anEd25519ContactSurvivesARoundTrip() {
		PeerContact contact = PeerContact.of(carol.name(), "Carol", carol.certificate());

		assertThat(ContactCardCodec.fromXml(ContactCardCodec.toXml(contact))).isEqualTo(contact);
	}

	@Test
	void aCardCarriesNeitherTheWritersSubscribedNorItsSubscribeAllowedSetting() {
		String xml = ContactCardCodec.toXml(full);

		assertThat(full.subscribed()).isTrue();
		assertThat(full.subscribeAllowed()).isEqualTo(SubscribeAllowed.BLOCKED);
		assertThat(xml).doesNotContain("subscribed", "subscribe-allowed", "BLOCKED", "ALLOWED");
	}

	@ParameterizedTest
	@ValueSource(strings = { "<subscribed>true</subscribed><subscribe-allowed>BLOCKED</subscribe-allowed>",
			"<subscribed> false </subscribed><subscribe-allowed>ALLOWED</subscribe-allowed>",
			"<subscribe-allowed>BLOCKED</subscribe-allowed>", "<subscribed>true</subscribed>" })
	void anOlderCardsSettingsAreReadButTheReaderKeepsItsDefaults(String settings) {
		PeerContact read = ContactCardCodec.fromXml(card(minimalBody(alice) + settings));

		assertThat(read.name()).isEqualTo(alice.name());
		assertThat(read.subscribed()).isFalse();
		assertThat(read.subscribeAllowed()).isEqualTo(SubscribeAllowed.ALLOWED);
	}

	@Test
	void whiteSpaceAndLineBreaksInsideTextSurviveExactly() {
		PeerContact contact = PeerContact.of(alice.name(), "  two\r\nlines\rand\ttabs\n ", alice.certificate())
				.withDisplayName(" ").withEndPoints(List.of(endPoint(" padded\r\n", "10.0.0.1", 80)));

		PeerContact back = ContactCardCodec.fromXml(ContactCardCodec.toXml(contact));

		assertThat(back.nickname()).isEqualTo("  two\r\nlines\rand\ttabs\n ");
		assertThat(back.displayName()).isEqualTo(" ");
		assertThat(back.endPoints().get(0).name()).isEqualTo(" padded\r\n");
		assertThat(back).isEqualTo(contact);
	}

	@Test
	void textAtTheLimitsSurvivesARoundTrip() {
		String email = "a".repeat(PeerContact.MAX_EMAIL_LENGTH - "@example.org".length()) + "@example.org";
		List<PeerEndPoint> endPoints = new ArrayList<>();
		for (int i = 0; i < PeerContact.MAX_ENDPOINTS; i++) {
			endPoints.add(endPoint("n".repeat(PeerEndPoint.MAX_NAME_LENGTH), "10.0.0." + i, 1000 + i));
		}
		PeerContact contact = new PeerContact(alice.name(), "😀".repeat(127) + "x", "d".repeat(255), email,
				alice.certificate(), endPoints, false, SubscribeAllowed.ALLOWED);

		assertThat(ContactCardCodec.fromXml(ContactCardCodec.toXml(contact))).isEqualTo(contact);
	}

	@Test
	void ipv6AddressesOfEveryShapeSurviveARoundTrip() throws Exception {
		Random random = new Random(6);
		for (int round = 0; round < 40; round++) {
			List<PeerEndPoint> endPoints = new ArrayList<>();
			for (int i = 0; i < PeerContact.MAX_ENDPOINTS; i++) {
				byte[] bytes = new byte[16];
				random.nextBytes(bytes);
				// Zero some groups, so that runs of zeros of every length and place are written as "::".
				for (int group = 0; group < 8; group++) {
					if (random.nextInt(3) > 0) {
						bytes[2 * group] = 0;
						bytes[2 * group + 1] = 0;
					}
				}
				endPoints.add(new PeerEndPoint("v6", new InetSocketAddress(InetAddress.getByAddress(bytes), 1 + i)));
			}
			PeerContact contact = PeerContact.of(alice.name(), "A", alice.certificate()).withEndPoints(endPoints);

			String xml = ContactCardCodec.toXml(contact);

			assertThat(ContactCardCodec.fromXml(xml)).isEqualTo(contact);
			assertThat(xml).doesNotContain(":::").doesNotContainPattern(":0[0-9a-f]");
		}
	}

	@Test
	void theCardHasTheDocumentedShape() throws Exception {
		String xml = ContactCardCodec.toXml(full);
		// Read by a parser other than the codec's, so that the codec does not only agree with itself.
		DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
		factory.setNamespaceAware(true);
		Document document = factory.newDocumentBuilder().parse(new InputSource(new StringReader(xml)));
		Element root = document.getDocumentElement();

		assertThat(xml).startsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
		assertThat(root.getLocalName()).isEqualTo("peercollab-contact-card");
		assertThat(root.getNamespaceURI()).isEqualTo("urn:peercollab:contact-card:1");
		assertThat(root.getAttribute("version")).isEqualTo("1");
		for (String element : List.of("peer-name", "nickname", "display-name", "email", "certificate", "endpoints")) {
			assertThat(root.getElementsByTagNameNS(ContactCardCodec.NAMESPACE, element).getLength()).as(element)
					.isEqualTo(1);
		}
		for (String element : List.of("subscribed", "subscribe-allowed")) {
			assertThat(root.getElementsByTagNameNS(ContactCardCodec.NAMESPACE, element).getLength()).as(element)
					.isZero();
		}
		assertThat(text(root, "peer-name")).isEqualTo(alice.name().toString());
		assertThat(text(root, "nickname")).isEqualTo(TRICKY_NICKNAME);
		assertThat(Base64.getMimeDecoder().decode(text(root, "certificate")))
				.isEqualTo(alice.certificate().getEncoded());
		assertThat(root.getElementsByTagNameNS(ContactCardCodec.NAMESPACE, "endpoint").getLength()).isEqualTo(4);
		assertThat(text(root, "host")).isEqualTo("192.0.2.1");
		assertThat(xml).contains("<host>2001:db8::1</host>", "<host>::1</host>", "<host>127.0.0.1</host>");
		assertThat(text(root, "port")).isEqualTo("4000");
		assertThat(xml).doesNotContain("<b>").contains("&lt;b&gt;&amp;amp;");
		assertThat(xml.getBytes(StandardCharsets.UTF_8).length).isLessThan(4096);
	}

	@Test
	void theExampleInContactCardMdIsAValidCard() throws Exception {
		String doc = Files.readString(Path.of("CONTACT-CARD.md"));
		Matcher example = Pattern.compile("```xml\n(<\\?xml.*?)```", Pattern.DOTALL).matcher(doc);
		assertThat(example.find()).as("an ```xml example in CONTACT-CARD.md").isTrue();

		PeerContact contact = ContactCardCodec.fromXml(example.group(1));

		assertThat(contact.name().matches(contact.certificate())).isTrue();
		assertThat(contact.endPoints()).hasSize(2);
	}

	@Test
	void harmlessVariationsOfAHandWrittenCardAreAccepted() {
		String name = "<peer-name>\n\t " + alice.name() + " \n</peer-name>";
		String cert = "<certificate>" + wrapped(alice) + "</certificate>";
		List<String> variants = List.of(
				card(name + cert),
				card(cert + "<!-- comments are fine -->" + name),
				"<peercollab-contact-card version='1' xmlns='urn:peercollab:contact-card:1'>" + name + cert
						+ "</peercollab-contact-card>",
				"<c:peercollab-contact-card xmlns:c='urn:peercollab:contact-card:1' version='1'><c:peer-name>"
						+ alice.name() + "</c:peer-name><c:certificate>" + base64(alice)
						+ "</c:certificate></c:peercollab-contact-card>",
				card(name + "<certificate><![CDATA[" + base64(alice) + "]]></certificate>"),
				card(name + cert + "<nickname><![CDATA[<raw> & ]]>text</nickname>"),
				card(name + cert + "<endpoints/><subscribed> false </subscribed>"),
				card(name + cert + "<endpoints><endpoint><port> 80 </port><host> ::ffff:192.0.2.7 </host>"
						+ "</endpoint></endpoints>"),
				card(name + cert + "<endpoints><endpoint><host>2001:DB8:0:0:0:0:0:1</host><port>1</port>"
						+ "</endpoint><endpoint><host>::</host><port>2</port></endpoint></endpoints>"));

		for (String xml : variants) {
			PeerContact contact = ContactCardCodec.fromXml(xml);
			assertThat(contact.name()).as(xml).isEqualTo(alice.name());
			assertThat(contact.name().matches(contact.certificate())).isTrue();
		}
		PeerContact mapped = ContactCardCodec.fromXml(variants.get(7));
		assertThat(mapped.endPoints().get(0).tcpAddress().getAddress().getHostAddress()).isEqualTo("192.0.2.7");
		assertThat(mapped.endPoints().get(0).name()).isEmpty();
	}

	// ------------------------------------------------------------------ hostile XML

	@Test
	void anExternalEntityIsRefusedAndTheFileIsNeverRead() throws Exception {
		Path secret = Files.writeString(dir.resolve("secret.txt"), "TOP-SECRET-42");
		String xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE peercollab-contact-card [\n  <!ENTITY xxe SYSTEM \""
				+ secret.toUri() + "\">\n]>\n"
				+ "<peercollab-contact-card xmlns=\"urn:peercollab:contact-card:1\" version=\"1\">"
				+ minimalBody(alice) + "<nickname>&xxe;</nickname></peercollab-contact-card>";

		assertRejected(xml, "DOCTYPE", "XXE").hasMessageNotContaining("TOP-SECRET");
	}

	@Test
	void anExternalParameterEntityIsRefused() throws Exception {
		Path secret = Files.writeString(dir.resolve("evil.dtd"), "<!ENTITY leak 'TOP-SECRET-43'>");
		String xml = "<!DOCTYPE peercollab-contact-card [<!ENTITY % p SYSTEM \"" + secret.toUri() + "\"> %p;]>"
				+ card(minimalBody(alice) + "<nickname>&leak;</nickname>").substring(OPEN.indexOf('\n') + 1);

		assertRejected(xml, "DOCTYPE").hasMessageNotContaining("TOP-SECRET");
	}

	@Test
	void theBillionLaughsAreRefusedQuickly() {
		StringBuilder dtd = new StringBuilder("<!DOCTYPE peercollab-contact-card [\n<!ENTITY lol \"lol\">\n");
		dtd.append("<!ENTITY lol1 \"").append("&lol;".repeat(10)).append("\">\n");
		for (int i = 2; i <= 9; i++) {
			dtd.append("<!ENTITY lol").append(i).append(" \"").append(("&lol" + (i - 1) + ";").repeat(10))
					.append("\">\n");
		}
		dtd.append("]>\n");
		String xml = "<?xml version=\"1.0\"?>\n" + dtd
				+ "<peercollab-contact-card xmlns=\"urn:peercollab:contact-card:1\" version=\"1\">"
				+ minimalBody(alice) + "<nickname>&lol9;</nickname></peercollab-contact-card>";

		assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertRejected(xml, "DOCTYPE", "billion laughs"));
	}

	@Test
	void anyDoctypeIsRefused() {
		String plain = OPEN.replace("\n<peercollab", "\n<!DOCTYPE peercollab-contact-card>\n<peercollab")
				+ minimalBody(alice) + CLOSE;
		String withSystemId = "<!DOCTYPE peercollab-contact-card SYSTEM \"http://127.0.0.1:9/card.dtd\">"
				+ card(minimalBody(alice)).substring(OPEN.indexOf('\n') + 1);

		assertRejected(plain, "DOCTYPE");
		assertRejected(withSystemId, "DOCTYPE");
	}

	@Test
	void anUndeclaredEntityIsRefused() {
		assertRejected(card(minimalBody(alice) + "<nickname>&nbsp;</nickname>"), "not well-formed", "nbsp");
	}

	@Test
	void aProcessingInstructionIsRefused() {
		assertRejected(card(minimalBody(alice) + "<?xml-stylesheet href='x.xsl'?>"), "processing instruction");
		assertRejected(card(minimalBody(alice) + "<nickname>a<?pi x?></nickname>"), "processing instruction");
	}

	@Test
	void xml11IsRefused() {
		String xml = OPEN.replace("version=\"1.0\"", "version=\"1.1\"") + minimalBody(alice)
				+ "<nickname>&#1;</nickname>" + CLOSE;

		assertRejected(xml, "XML version 1.1", "XML 1.0");
	}

	@Test
	void nullAndEmptyTextAreRefused() {
		assertRejected(null, "null");
		assertRejected("", "empty");
		assertRejected(" \n\t", "empty");
		assertRejected("<!-- nothing -->", "not well-formed");
	}

	@Test
	void textThatIsNotXmlIsRefused() {
		assertRejected("{\"peer-name\": \"x\"}", "not well-formed");
		assertRejected("\u0000\u0001\u0002", "not well-formed");
	}

	// ------------------------------------------------------------------ structure

	@Test
	void anUnknownVersionIsRefused() {
		String xml = card(minimalBody(alice)).replace("version=\"1\"", "version=\"2\"");

		assertRejected(xml, "unsupported card version 2; this library reads version 1");
	}

	@Test
	void aNewerVersionInItsOwnNamespaceIsReportedAsANewerVersion() {
		String xml = card(minimalBody(alice)).replace("version=\"1\"", "version=\"2\"")
				.replace("contact-card:1", "contact-card:2");

		assertRejected(xml, "unsupported card version 2; this library reads version 1");
	}

	@Test
	void aMissingVersionIsRefused() {
		assertRejected(card(minimalBody(alice)).replace(" version=\"1\"", ""), "no version attribute",
				"reads version 1");
	}

	@Test
	void anotherRootOrNamespaceIsRefused() {
		assertRejected("<contact version='1' xmlns='urn:peercollab:contact-card:1'>" + minimalBody(alice)
				+ "</contact>", "not a PeerCollab contact card", "<contact>");
		assertRejected(card(minimalBody(alice)).replace(" xmlns=\"urn:peercollab:contact-card:1\"", ""),
				"namespace", "urn:peercollab:contact-card:1");
	}

	@Test
	void aMissingNameIsRefused() {
		assertRejected(card("<certificate>" + base64(alice) + "</certificate><nickname>Alice</nickname>"),
				"<peer-name>", "required");
	}

	@Test
	void aMissingCertificateIsRefused() {
		assertRejected(card("<peer-name>" + alice.name() + "</peer-name><nickname>Alice</nickname>"),
				"<certificate>", "required");
	}

	@Test
	void aRepeatedElementIsRefused() {
		assertRejected(card(minimalBody(alice) + "<nickname>A</nickname><nickname>B</nickname>"),
				"more than one <nickname>");
		assertRejected(card(minimalBody(alice) + "<peer-name>" + alice.name() + "</peer-name>"),
				"more than one <peer-name>");
		assertRejected(card(minimalBody(alice) + "<endpoints/><endpoints/>"), "more than one <endpoints>");
		assertRejected(card(minimalBody(alice) + "<endpoints><endpoint><host>10.0.0.1</host><host>10.0.0.2</host>"
				+ "<port>1</port></endpoint></endpoints>"), "more than one <host>");
		String xml = ContactCardCodec.toXml(full);
		int start = xml.indexOf("\t<certificate>");
		int end = xml.indexOf("</certificate>") + "</certificate>".length();
		assertRejected(xml.substring(0, end) + "\n" + xml.substring(start, end) + xml.substring(end),
				"more than one <certificate>");
	}

	@Test
	void anUnknownElementIsRefused() {
		assertRejected(card(minimalBody(alice) + "<avatar>x</avatar>"), "unknown element <avatar>");
		assertRejected(card(minimalBody(alice) + "<endpoints><endpoint><host>10.0.0.1</host><port>1</port>"
				+ "<weight>3</weight></endpoint></endpoints>"), "unknown element <weight>");
		assertRejected(card(minimalBody(alice) + "<endpoints><peer>x</peer></endpoints>"), "unknown element <peer>");
		assertRejected(card(minimalBody(alice) + "<x:avatar xmlns:x='urn:other'>x</x:avatar>"), "namespace",
				"urn:other");
	}

	@Test
	void anUnknownAttributeIsRefused() {
		assertRejected(card(minimalBody(alice)).replace("version=\"1\"", "version=\"1\" lang=\"en\""),
				"unknown attribute 'lang'");
		assertRejected(card(minimalBody(alice) + "<nickname trusted='yes'>A</nickname>"),
				"unknown attribute 'trusted'");
	}

	@Test
	void textOrElementsWhereTheyDoNotBelongAreRefused() {
		assertRejected(card(minimalBody(alice) + "stray text"), "only white space");
		assertRejected(card(minimalBody(alice) + "<nickname>A<b>bold</b></nickname>"), "only text", "<b>");
		assertRejected(card(minimalBody(alice) + "<endpoints>text</endpoints>"), "only white space");
		assertRejected(card(minimalBody(alice)) + "trailing", "not well-formed");
	}

	// ------------------------------------------------------------------ identity checks

	@Test
	void aCertificateThatIsNotBase64IsRefused() {
		assertRejected(card("<peer-name>" + alice.name() + "</peer-name><certificate>!!not*base64!!</certificate>"),
				"<certificate>", "base64");
		// One character too many: a final unit of six bits cannot end a byte.
		assertRejected(card("<peer-name>" + alice.name() + "</peer-name><certificate>" + base64(alice)
				+ "A</certificate>"), "base64");
	}

	@Test
	void anEmptyCertificateIsRefused() {
		assertRejected(card("<peer-name>" + alice.name() + "</peer-name><certificate/>"), "<certificate> is empty");
	}

	@Test
	void bytesThatAreNotACertificateAreRefused() {
		String garbage = Base64.getEncoder().encodeToString("not a certificate at all".getBytes(StandardCharsets.UTF_8));

		assertRejected(card("<peer-name>" + alice.name() + "</peer-name><certificate>" + garbage + "</certificate>"),
				"does not hold an X.509 certificate");
	}

	@Test
	void aCertificateWithTrailingBytesIsRefused() throws Exception {
		byte[] der = alice.certificate().getEncoded();
		byte[] longer = Arrays.copyOf(der, der.length + 2);

		assertRejected(card("<peer-name>" + alice.name() + "</peer-name><certificate>"
				+ Base64.getEncoder().encodeToString(longer) + "</certificate>"), "trailing bytes");
	}

	@Test
	void aCertificateOfAnotherKeyIsRefused() {
		// Alice's card carrying Bob's certificate.
		String xml = card("<peer-name>" + alice.name() + "</peer-name><certificate>" + base64(bob) + "</certificate>");

		assertRejected(xml, "the card's name is not derived from its certificate", alice.name().toString());
	}

	@Test
	void aNameOfAnotherKeyIsRefused() {
		// Alice's certificate under a name claiming Bob's key and Alice's classifier.
		PeerName forged = PeerName.of(bob.name().authority(), "alice");
		String xml = card("<peer-name>" + forged + "</peer-name><certificate>" + base64(alice) + "</certificate>");

		assertRejected(xml, "the card's name is not derived from its certificate", alice.name().authority());
	}

	@Test
	void aCertificateWithTheRightKeyButAnotherSignerIsRefused() throws Exception {
		// Alice's public key in a certificate Bob signed: the name matches, the certificate is not Alice's own.
		X500Name subject = new X500Name("CN=alice,O=PeerCollab");
		Instant now = Instant.now();
		X509Certificate forged = new JcaX509CertificateConverter()
				.getCertificate(new JcaX509v3CertificateBuilder(subject, BigInteger.TEN,
						Date.from(now.minusSeconds(60)), Date.from(now.plusSeconds(3600)), subject, alice.publicKey())
						.build(new JcaContentSignerBuilder("Ed25519").build(bob.privateKey())));
		String xml = card("<peer-name>" + alice.name() + "</peer-name><certificate>"
				+ Base64.getEncoder().encodeToString(forged.getEncoded()) + "</certificate>");

		assertThat(alice.name().matches(forged)).isTrue();
		assertRejected(xml, "not self-signed by its own key");
	}

	@Test
	void anUnsecuredNameIsRefused() {
		String xml = card("<peer-name>0.alice</peer-name><certificate>" + base64(alice) + "</certificate>");

		assertRejected(xml, "unsecured", "0.alice");
	}

	@ParameterizedTest
	@ValueSource(strings = { "alice", "", "0.", "UPPER.case", "0.two words" })
	void aNameThatIsNotAPeerNameIsRefused(String name) {
		String xml = card("<peer-name>" + name + "</peer-name><certificate>" + base64(alice) + "</certificate>");

		assertRejected(xml, "<peer-name> is not a valid PeerName");
	}

	// ------------------------------------------------------------------ field limits

	@Test
	void aNicknameOf256CharactersIsRefused() {
		assertRejected(card(minimalBody(alice) + "<nickname>" + "n".repeat(256) + "</nickname>"), "<nickname>",
				"256 characters", "limit is 255");
		assertThat(ContactCardCodec.fromXml(card(minimalBody(alice) + "<nickname>" + "n".repeat(255)
				+ "</nickname>")).nickname()).hasSize(255);
	}

	@Test
	void aDisplayNameOf256CharactersIsRefused() {
		assertRejected(card(minimalBody(alice) + "<display-name>" + "d".repeat(256) + "</display-name>"),
				"<display-name>", "limit is 255");
	}

	@Test
	void anEmailOf255CharactersIsRefused() {
		String email = "a".repeat(255 - "@example.org".length()) + "@example.org";

		assertRejected(card(minimalBody(alice) + "<email>" + email + "</email>"), "<email>", "255 characters",
				"limit is 254");
	}

	@Test
	void anEmailWithoutAnAtIsRefused() {
		assertRejected(card(minimalBody(alice) + "<email>alice.example.org</email>"), "<email>", "name@domain");
	}

	@Test
	void anEndpointNameOf256CharactersIsRefused() {
		assertRejected(card(minimalBody(alice) + "<endpoints><endpoint><name>" + "e".repeat(256)
				+ "</name><host>10.0.0.1</host><port>1</port></endpoint></endpoints>"), "endpoint 1 <name>",
				"limit is 255");
	}

	@Test
	void seventeenEndpointsAreRefused() {
		StringBuilder endPoints = new StringBuilder("<endpoints>");
		for (int i = 0; i < 17; i++) {
			endPoints.append("<endpoint><host>10.0.0.").append(i).append("</host><port>80</port></endpoint>");
		}
		endPoints.append("</endpoints>");

		assertRejected(card(minimalBody(alice) + endPoints), "more than 16 endpoints");
		String sixteen = endPoints.toString().replace("<endpoint><host>10.0.0.16</host><port>80</port></endpoint>",
				"");
		assertThat(ContactCardCodec.fromXml(card(minimalBody(alice) + sixteen)).endPoints()).hasSize(16);
	}

	@ParameterizedTest
	@ValueSource(strings = { "0", "65536", "-1", "+80", "abc", "", "80a", "0x50", "99999999999999999999", "8 0",
			"１２" })
	void aPortOutsideOneTo65535IsRefused(String port) {
		assertRejected(card(minimalBody(alice) + "<endpoints><endpoint><host>10.0.0.1</host><port>" + port
				+ "</port></endpoint></endpoints>"), "<port>", "1 to 65535");
	}

	@ParameterizedTest
	@ValueSource(strings = { "example.com", "localhost", "peer.local", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4",
			"1.2.3.04", "0x7f.0.0.1", "2130706433", "[::1]", "fe80::1%eth0", "1:2:3:4:5:6:7:8:9", ":::", "1::2::3",
			"1.2.3.4::", "::1.2.3", "12345::1", "g::1", ":1", "1:", "1:2:3:4:5:6:7", "", " ", "١٢٧.0.0.1",
			"::ffff:256.1.1.1", "1:2:3:4:5:6:7:1.2.3.4" })
	void aHostThatIsNotAnIpLiteralIsRefused(String host) {
		assertRejected(card(minimalBody(alice) + "<endpoints><endpoint><host>" + host
				+ "</host><port>80</port></endpoint></endpoints>"), "<host>", "not an IP address literal");
	}

	@Test
	void anEndpointWithoutHostOrPortIsRefused() {
		assertRejected(card(minimalBody(alice) + "<endpoints><endpoint><port>80</port></endpoint></endpoints>"),
				"endpoint 1 has no <host>");
		assertRejected(card(minimalBody(alice) + "<endpoints><endpoint><host>::1</host></endpoint></endpoints>"),
				"endpoint 1 has no <port>");
	}

	@Test
	void badFlagsAreRefused() {
		assertRejected(card(minimalBody(alice) + "<subscribed>yes</subscribed>"), "<subscribed>", "true or false");
		assertRejected(card(minimalBody(alice) + "<subscribe-allowed>maybe</subscribe-allowed>"),
				"<subscribe-allowed>", "ALLOWED");
	}

	@Test
	void truncatedCardsAreRefusedWhereverTheyAreCut() {
		String xml = ContactCardCodec.toXml(full);
		int rootClosed = xml.lastIndexOf('>');

		for (int cut = 0; cut < rootClosed; cut++) {
			String truncated = xml.substring(0, cut);
			assertThatThrownBy(() -> ContactCardCodec.fromXml(truncated)).as("cut at %d", cut)
					.isInstanceOf(InvalidContactCardException.class).hasMessageStartingWith("Contact card rejected: ");
		}
		assertRejected(xml.substring(0, xml.indexOf("</nickname>")), "not well-formed");
	}

	@Test
	void oversizedInputIsRefusedBeforeParsing() {
		String card = card(minimalBody(alice));
		String padded = card + "<!--" + "x".repeat(ContactCardCodec.MAX_CARD_BYTES) + "-->";
		// Characters of two bytes in UTF-8: fewer characters than the limit, more bytes.
		String wide = card + "<!--" + "é".repeat(ContactCardCodec.MAX_CARD_BYTES / 2) + "-->";
		String huge = "<" + "a".repeat(20_000_000);

		assertRejected(padded, "64 KiB");
		assertRejected(wide, "64 KiB");
		assertTimeoutPreemptively(Duration.ofSeconds(2), () -> assertRejected(huge, "64 KiB"));
	}

	@Test
	void aCardOfExactlyTheLimitIsAccepted() {
		String card = card(minimalBody(alice));
		int room = ContactCardCodec.MAX_CARD_BYTES - card.getBytes(StandardCharsets.UTF_8).length - "<!---->".length();
		String exact = card + "<!--" + "x".repeat(room) + "-->";

		assertThat(exact.getBytes(StandardCharsets.UTF_8)).hasSize(ContactCardCodec.MAX_CARD_BYTES);
		assertThat(ContactCardCodec.fromXml(exact).name()).isEqualTo(alice.name());
		assertRejected(exact + " ", "64 KiB");
	}

	// ------------------------------------------------------------------ export limits

	@Test
	void exportRefusesWhatACardCannotCarry() {
		PeerContact unsecured = PeerContact.of(PeerName.unsecured("alice"), "A", alice.certificate());
		PeerContact unresolved = PeerContact.of(alice.name(), "A", alice.certificate())
				.withEndPoints(List.of(new PeerEndPoint("x", InetSocketAddress.createUnresolved("example.com", 80))));
		PeerContact control = PeerContact.of(alice.name(), "bell\u0007", alice.certificate());
		PeerContact surrogate = PeerContact.of(alice.name(), "half\ud800", alice.certificate());

		assertThatThrownBy(() -> ContactCardCodec.toXml(unsecured)).isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("unsecured");
		assertThatThrownBy(() -> ContactCardCodec.toXml(unresolved)).isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("no IP address");
		assertThatThrownBy(() -> ContactCardCodec.toXml(control)).isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("nickname").hasMessageContaining("U+0007");
		assertThatThrownBy(() -> ContactCardCodec.toXml(surrogate)).isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("U+D800");
		assertThatThrownBy(() -> ContactCardCodec.toXml(null)).isInstanceOf(NullPointerException.class);
	}

	@Test
	void exportDropsTheZoneOfAScopedIpv6Address() throws Exception {
		InetAddress scoped = Inet6Address.getByAddress(null, InetAddress.getByName("fe80::1").getAddress(), 1);
		PeerContact contact = PeerContact.of(alice.name(), "A", alice.certificate())
				.withEndPoints(List.of(new PeerEndPoint("link", new InetSocketAddress(scoped, 9))));

		String xml = ContactCardCodec.toXml(contact);

		assertThat(xml).doesNotContain("%");
		assertThat(ContactCardCodec.fromXml(xml).endPoints().get(0).tcpAddress().getAddress().getAddress())
				.isEqualTo(scoped.getAddress());
	}

	// ------------------------------------------------------------------ mutation

	@Test
	@Tag("slow")
	void randomMutationsOfACardGiveAValidContactOrInvalidContactCardException() {
		long seed = Long.getLong("peercollab.mutation.seed", 0x5EEDCA4DL);
		int mutations = Integer.getInteger("peercollab.mutation.count", 10_000);
		System.out.println("ContactCardCodecTest mutation seed=" + seed + " (0x" + Long.toHexString(seed)
				+ ") mutations=" + mutations + "; replay with -Dpeercollab.mutation.seed=" + seed);
		Random random = new Random(seed);
		X509Certificate certificate = certificate(FIXED_CERTIFICATE);
		PeerContact original = new PeerContact(PeerName.secured(certificate, "alice"), "Alice & <Co> ü",
				"Alice Liddell", "alice@example.org", certificate, full.endPoints(), true, SubscribeAllowed.BLOCKED);
		String card = ContactCardCodec.toXml(original);
		int accepted = 0;
		int rejected = 0;
		long start = System.nanoTime();
		for (int i = 0; i < mutations; i++) {
			String mutated = card;
			int rounds = 1 + random.nextInt(3);
			for (int r = 0; r < rounds; r++) {
				mutated = mutate(mutated, random);
			}
			PeerContact contact;
			try {
				contact = ContactCardCodec.fromXml(mutated);
			}
			catch (InvalidContactCardException e) {
				assertThat(e.getMessage()).as("mutation %d", i).startsWith("Contact card rejected: ");
				rejected++;
				continue;
			}
			catch (Throwable t) {
				fail("mutation " + i + " of seed " + seed + " threw " + t + " for:\n" + mutated, t);
				return;
			}
			accepted++;
			assertThat(contact.name().matches(contact.certificate())).as("mutation %d: name matches certificate", i)
					.isTrue();
			// Valid through PeerContact's own checks, and a card of its own again.
			assertThat(new PeerContact(contact.name(), contact.nickname(), contact.displayName(), contact.email(),
					contact.certificate(), contact.endPoints(), contact.subscribed(), contact.subscribeAllowed()))
					.isEqualTo(contact);
			assertThat(ContactCardCodec.fromXml(ContactCardCodec.toXml(contact))).as("mutation %d", i)
					.isEqualTo(contact);
		}
		long millis = (System.nanoTime() - start) / 1_000_000;
		System.out.println("ContactCardCodecTest mutation seed=" + seed + ": " + accepted + " accepted, " + rejected
				+ " rejected in " + millis + " ms");
		assertThat(accepted + rejected).isEqualTo(mutations).isGreaterThanOrEqualTo(10_000);
		assertThat(accepted).as("some mutations are harmless").isPositive();
		assertThat(rejected).as("most mutations break the card").isGreaterThan(accepted);
	}

	private static final String[] FRAGMENTS = { "<", ">", "&", "&amp;", "&lt;", "&#0;", "&#x1;", "&#xD800;", "&#13;",
			"&#65;", "&bogus;", "\"", "'", "=", "/", "<!--", "-->", "<!-- x -->", "<![CDATA[", "]]>",
			"<![CDATA[x]]>", "<?pi x?>", "<?xml version=\"1.0\"?>", "<!DOCTYPE x>",
			"<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>", "<!ENTITY a \"b\">", "&e;", " ", "\n", "\t",
			"\r\n", "\u0000", "\u00e9", "\ud83d\ude00", "\ud800", "\ufffe", "<nickname>x</nickname>",
			"<nickname/>", "<peer-name>0.x</peer-name>", "<certificate>AAAA</certificate>", "<endpoints>",
			"</endpoints>", "<endpoint><host>10.0.0.1</host><port>1</port></endpoint>",
			"<endpoint><host>example.com</host><port>1</port></endpoint>", "<host>::1</host>", "<port>0</port>",
			"<port>65536</port>", "</peercollab-contact-card>", "<peercollab-contact-card>", " version=\"2\"",
			" xmlns=\"urn:other\"", " xmlns:x=\"urn:x\"", " a=\"b\"", "<x:y xmlns:x='urn:x'/>", "<unknown/>",
			"<subscribed>true</subscribed>", "<subscribe-allowed>BLOCKED</subscribe-allowed>", "AAAA", "====", "+/",
			"%", "::", "1.2.3.4", "\u2028", "\u00a0" };

	private static final String SINGLE = "<>&\"'/=;#!?[]-: \n\t\r\u0000\u0001\u00e9\ud800\udc00\ufffdA0zZ.%";

	private static String mutate(String s, Random random) {
		if (s.isEmpty()) {
			return FRAGMENTS[random.nextInt(FRAGMENTS.length)];
		}
		int at = random.nextInt(s.length() + 1);
		switch (random.nextInt(9)) {
			case 0 -> { // flip a bit of a byte of the UTF-8 encoding
				byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
				int i = random.nextInt(bytes.length);
				bytes[i] ^= (byte) (1 << random.nextInt(8));
				return new String(bytes, StandardCharsets.UTF_8);
			}
			case 1 -> { // replace one character
				int i = Math.min(at, s.length() - 1);
				return s.substring(0, i) + SINGLE.charAt(random.nextInt(SINGLE.length())) + s.substring(i + 1);
			}
			case 2 -> { // delete a run
				int end = Math.min(s.length(), at + 1 + random.nextInt(random.nextBoolean() ? 4 : 60));
				return s.substring(0, at) + s.substring(end);
			}
			case 3, 4 -> { // insert an XML fragment
				return s.substring(0, at) + FRAGMENTS[random.nextInt(FRAGMENTS.length)] + s.substring(at);
			}
			case 5 -> { // duplicate a run
				int end = Math.min(s.length(), at + 1 + random.nextInt(80));
				int to = random.nextBoolean() ? end : random.nextInt(s.length() + 1);
				String run = s.substring(Math.min(at, end), end);
				return s.substring(0, to) + run + s.substring(to);
			}
			case 6 -> { // duplicate or drop a whole line, often a whole element
				List<String> lines = new ArrayList<>(List.of(s.split("\n", -1)));
				int line = random.nextInt(lines.size());
				if (random.nextBoolean()) {
					lines.add(line, lines.get(line));
				}
				else {
					lines.remove(line);
				}
				return String.join("\n", lines);
			}
			case 7 -> { // swap two lines
				List<String> lines = new ArrayList<>(List.of(s.split("\n", -1)));
				int a = random.nextInt(lines.size());
				int b = random.nextInt(lines.size());
				String tmp = lines.get(a);
				lines.set(a, lines.get(b));
				lines.set(b, tmp);
				return String.join("\n", lines);
			}
			default -> { // truncate
				return s.substring(0, at);
			}
		}
	}

	// ------------------------------------------------------------------ helpers

	private static AbstractThrowableAssert<?, ? extends Throwable> assertRejected(String xml,
			String... fragments) {
		var assertion = assertThatThrownBy(() -> ContactCardCodec.fromXml(xml))
				.isInstanceOf(InvalidContactCardException.class).hasMessageStartingWith("Contact card rejected: ");
		for (String fragment : fragments) {
			assertion.hasMessageContaining(fragment);
		}
		return assertion;
	}

	private static String card(String body) {
		return OPEN + body + CLOSE;
	}

	private static String minimalBody(PeerIdentity identity) {
		return "<peer-name>" + identity.name() + "</peer-name><certificate>" + base64(identity) + "</certificate>";
	}

	private static String base64(PeerIdentity identity) {
		try {
			return Base64.getEncoder().encodeToString(identity.certificate().getEncoded());
		}
		catch (Exception e) {
			throw new IllegalStateException(e);
		}
	}

	private static String wrapped(PeerIdentity identity) {
		try {
			return "\n  " + Base64.getMimeEncoder(64, "\r\n  ".getBytes(StandardCharsets.US_ASCII))
					.encodeToString(identity.certificate().getEncoded()) + "\n";
		}
		catch (Exception e) {
			throw new IllegalStateException(e);
		}
	}

	private static X509Certificate certificate(String base64) {
		try {
			return (X509Certificate) CertificateFactory.getInstance("X.509")
					.generateCertificate(new ByteArrayInputStream(Base64.getDecoder().decode(base64)));
		}
		catch (Exception e) {
			throw new IllegalStateException(e);
		}
	}

	private static PeerEndPoint endPoint(String name, String literal, int port) {
		try {
			// A literal: getByName parses it without any lookup.
			return new PeerEndPoint(name, new InetSocketAddress(InetAddress.getByName(literal), port));
		}
		catch (Exception e) {
			throw new IllegalStateException(e);
		}
	}

	private static String text(Element root, String element) {
		return root.getElementsByTagNameNS(ContactCardCodec.NAMESPACE, element).item(0).getTextContent();
	}
}
