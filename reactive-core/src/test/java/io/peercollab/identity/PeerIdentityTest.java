// SPDX-License-Identifier: Apache-2.0
package io.peercollab.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.util.Arrays;
import java.util.Date;
import java.util.Random;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

import io.peercollab.PeerIdentityException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class PeerIdentityTest {

	private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
	private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
	private static final String BASIC_CONSTRAINTS = "2.5.29.19";
	private static final char[] PASSWORD = "correct horse battery staple".toCharArray();

	private static PeerIdentity ecAlice;
	private static PeerIdentity ecBob;
	private static PeerIdentity edAlice;
	private static PeerIdentity edBob;

	@TempDir
	Path dir;

	@BeforeAll
	static void generateIdentities() {
		// Key generation is slow: once for the whole class.
		ecAlice = PeerIdentity.generate("alice", KeyType.EC_P256);
		ecBob = PeerIdentity.generate("bob", KeyType.EC_P256);
		edAlice = PeerIdentity.generate("alice");
		edBob = PeerIdentity.generate("bob", KeyType.ED25519);
	}

	private static PeerIdentity alice(KeyType type) {
		return type == KeyType.EC_P256 ? ecAlice : edAlice;
	}

	private static PeerIdentity bob(KeyType type) {
		return type == KeyType.EC_P256 ? ecBob : edBob;
	}

	@Test
	void generateMakesAnEcP256IdentityOnRequest() {
		assertThat(ecAlice.keyType()).isEqualTo(KeyType.EC_P256);
		assertThat(ecAlice.publicKey().getAlgorithm()).isEqualTo("EC");
		assertThat(((ECPublicKey) ecAlice.publicKey()).getParams().getCurve().getField().getFieldSize())
				.isEqualTo(256);
		assertThat(ecAlice.certificate().getSigAlgName()).isEqualToIgnoringCase("SHA256withECDSA");
	}

	@Test
	void generateMakesAnEd25519IdentityByDefault() {
		assertThat(edAlice.keyType()).isEqualTo(KeyType.ED25519);
		assertThat(edAlice.publicKey().getAlgorithm()).isIn("Ed25519", "EdDSA");
		assertThat(edAlice.certificate().getSigAlgName()).isIn("Ed25519", "EdDSA");
		// An Ed25519 SubjectPublicKeyInfo is 12 bytes of header and the 32-byte key.
		assertThat(edAlice.publicKey().getEncoded()).hasSize(44);
	}

	@Test
	void eachGenerationMakesAnotherKey() {
		assertThat(ecAlice.name()).isNotEqualTo(ecBob.name());
		assertThat(ecAlice.name().authority()).isNotEqualTo(PeerIdentity.generate("alice").name().authority());
	}

	@ParameterizedTest
	@EnumSource(KeyType.class)
	void theCertificateIsSelfSignedAndVerifiesWithItsKey(KeyType type) throws Exception {
		X509Certificate cert = alice(type).certificate();

		cert.verify(alice(type).publicKey());
		cert.checkValidity(new Date());
		assertThat(cert.getSubjectX500Principal()).isEqualTo(cert.getIssuerX500Principal());
		assertThat(cert.getSubjectX500Principal().getName()).contains("CN=alice").contains("O=PeerCollab");
		assertThat(cert.getVersion()).isEqualTo(3);
		assertThatThrownBy(() -> cert.verify(bob(type).publicKey())).isInstanceOf(Exception.class);
	}

	@ParameterizedTest
	@EnumSource(KeyType.class)
	void theCertificateServesTlsClientsAndServersAndIsNoCa(KeyType type) throws Exception {
		X509Certificate cert = alice(type).certificate();

		assertThat(cert.getExtendedKeyUsage()).contains(SERVER_AUTH, CLIENT_AUTH);
		assertThat(cert.getBasicConstraints()).isEqualTo(-1);
		assertThat(cert.getCriticalExtensionOIDs()).contains(BASIC_CONSTRAINTS);
		boolean[] keyUsage = cert.getKeyUsage();
		assertThat(keyUsage).isNotNull();
		assertThat(keyUsage[0]).as("digitalSignature").isTrue();
		assertThat(keyUsage[5]).as("keyCertSign").isFalse();
	}

	@ParameterizedTest
	@EnumSource(KeyType.class)
	void theNameIsDerivedFromTheKey(KeyType type) {
		PeerIdentity identity = alice(type);

		assertThat(identity.name().isSecured()).isTrue();
		assertThat(identity.name().classifier()).isEqualTo("alice");
		assertThat(identity.name().authority()).isEqualTo(PeerName.authorityOf(identity.publicKey()));
		assertThat(identity.name().matches(identity.certificate())).isTrue();
		assertThat(identity.name().matches(bob(type).certificate())).isFalse();
		assertThat(identity.publicKey()).isEqualTo(identity.certificate().getPublicKey());
		assertThat(identity.toString()).contains(identity.name().toString()).contains(type.name());
	}

	@ParameterizedTest
	@ValueSource(strings = { "a,b+c=d", "#hash", "#41", "quote\"d", "back\\slash", "<x>;y", "Ünïcødé😀", "=",
			"name.with.dots", "trailing\\" })
	void classifiersWithSpecialCharactersSurviveGenerationAndSaving(String classifier) {
		PeerIdentity identity = PeerIdentity.generate(classifier, KeyType.ED25519);
		Path file = dir.resolve("special.p12");

		identity.save(file, PASSWORD);
		PeerIdentity loaded = PeerIdentity.load(file, PASSWORD);

		assertThat(identity.name().classifier()).isEqualTo(classifier);
		assertThat(loaded.name()).isEqualTo(identity.name());
		assertThat(loaded.name().classifier()).isEqualTo(classifier);
	}

	@Test
	void theLongestClassifierSurvivesGenerationSavingAndAHandshake() throws Exception {
		// Longer than the 64 characters RFC 5280 suggests for a CN: the JDK must still accept the certificate.
		String classifier = "c".repeat(PeerName.MAX_CLASSIFIER_LENGTH);
		PeerIdentity identity = PeerIdentity.generate(classifier, KeyType.ED25519);
		Path file = dir.resolve("long.p12");

		identity.save(file, PASSWORD);

		assertThat(PeerIdentity.load(file, PASSWORD).name()).isEqualTo(identity.name());
		assertMutualTls(identity, ecBob);
	}

	@ParameterizedTest
	@EnumSource(KeyType.class)
	void saveAndLoadGiveBackTheSameIdentity(KeyType type) throws Exception {
		PeerIdentity identity = alice(type);
		Path file = dir.resolve("alice-" + type + ".p12");

		identity.save(file, PASSWORD);
		PeerIdentity loaded = PeerIdentity.load(file, PASSWORD);

		assertThat(loaded.name()).isEqualTo(identity.name());
		assertThat(loaded.keyType()).isEqualTo(type);
		assertThat(loaded.certificate().getEncoded()).isEqualTo(identity.certificate().getEncoded());
		assertThat(loaded.publicKey().getEncoded()).isEqualTo(identity.publicKey().getEncoded());
		byte[] message = "sign me".getBytes(StandardCharsets.UTF_8);
		Signature signer = Signature.getInstance(type.signatureAlgorithm());
		signer.initSign(loaded.privateKey());
		signer.update(message);
		byte[] signature = signer.sign();
		Signature verifier = Signature.getInstance(type.signatureAlgorithm());
		verifier.initVerify(identity.publicKey());
		verifier.update(message);
		assertThat(verifier.verify(signature)).isTrue();
	}

	@Test
	void saveReplacesAnExistingFileAndCreatesMissingDirectories() {
		Path file = dir.resolve("a/b/c/identity.p12");

		ecAlice.save(file, PASSWORD);
		ecBob.save(file, PASSWORD);

		assertThat(PeerIdentity.load(file, PASSWORD).name()).isEqualTo(ecBob.name());
		assertThat(file.getParent().toFile().list()).containsExactly("identity.p12");
	}

	@ParameterizedTest
	@EnumSource(KeyType.class)
	void aWrongPasswordIsReportedAsSuch(KeyType type) {
		Path file = dir.resolve("alice.p12");
		alice(type).save(file, PASSWORD);

		assertThatThrownBy(() -> PeerIdentity.load(file, "wrong".toCharArray()))
				.isInstanceOf(PeerIdentityException.class).hasMessageContaining("Wrong password")
				.hasMessageContaining(file.toString());
		assertThatThrownBy(() -> PeerIdentity.load(file, new char[0])).isInstanceOf(PeerIdentityException.class)
				.hasMessageContaining("Wrong password");
	}

	@Test
	void aTruncatedFileIsReportedAsDamaged() throws Exception {
		Path file = dir.resolve("alice.p12");
		ecAlice.save(file, PASSWORD);
		byte[] bytes = Files.readAllBytes(file);

		for (int length : new int[] { 1, 2, 10, bytes.length / 3, bytes.length / 2, bytes.length - 1 }) {
			Files.write(file, Arrays.copyOf(bytes, length));

			assertThatThrownBy(() -> PeerIdentity.load(file, PASSWORD)).as("cut at %d", length)
					.isInstanceOf(PeerIdentityException.class).hasMessageContaining("damaged")
					.hasMessageNotContaining("null");
		}
	}

	@Test
	void aFileOfRandomBytesIsReportedAsDamaged() throws Exception {
		Path file = dir.resolve("random.p12");
		Random random = new Random(42);
		for (int i = 0; i < 20; i++) {
			byte[] bytes = new byte[1 + random.nextInt(4096)];
			random.nextBytes(bytes);
			Files.write(file, bytes);

			assertThatThrownBy(() -> PeerIdentity.load(file, PASSWORD)).isInstanceOf(PeerIdentityException.class)
					.hasMessageContaining("damaged");
		}
	}

	@Test
	void anEmptyFileIsReportedAsDamaged() throws Exception {
		Path file = Files.createFile(dir.resolve("empty.p12"));

		assertThatThrownBy(() -> PeerIdentity.load(file, PASSWORD)).isInstanceOf(PeerIdentityException.class)
				.hasMessageContaining("damaged");
	}

	@Test
	void aMissingFileIsReported() {
		Path file = dir.resolve("nobody.p12");

		assertThatThrownBy(() -> PeerIdentity.load(file, PASSWORD)).isInstanceOf(PeerIdentityException.class)
				.hasMessageContaining("No identity file").hasMessageContaining(file.toString());
	}

	@Test
	void aPkcs12FileWithoutOurAliasIsRefused() throws Exception {
		Path file = dir.resolve("foreign.p12");
		KeyStore store = KeyStore.getInstance("PKCS12");
		store.load(null, null);
		store.setKeyEntry("someone-else", ecAlice.privateKey(), PASSWORD,
				new Certificate[] { ecAlice.certificate() });
		try (OutputStream out = Files.newOutputStream(file)) {
			store.store(out, PASSWORD);
		}

		assertThatThrownBy(() -> PeerIdentity.load(file, PASSWORD)).isInstanceOf(PeerIdentityException.class)
				.hasMessageContaining("holds no PeerCollab identity").hasMessageContaining("peercollab-identity");
	}

	@Test
	void aFileWhosePrivateKeyIsNotTheCertificatesIsRefused() throws Exception {
		Path file = dir.resolve("mismatched.p12");
		KeyStore store = KeyStore.getInstance("PKCS12");
		store.load(null, null);
		store.setKeyEntry("peercollab-identity", ecAlice.privateKey(), PASSWORD,
				new Certificate[] { ecBob.certificate() });
		try (OutputStream out = Files.newOutputStream(file)) {
			store.store(out, PASSWORD);
		}

		assertThatThrownBy(() -> PeerIdentity.load(file, PASSWORD)).isInstanceOf(PeerIdentityException.class)
				.hasMessageContaining("private key does not belong to its certificate");
	}

	@ParameterizedTest
	@ValueSource(strings = { "", "a b", "tab\there", "nul\u0000" })
	void anInvalidClassifierIsRefusedBeforeAnyKeyIsMade(String classifier) {
		assertThatThrownBy(() -> PeerIdentity.generate(classifier)).isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("classifier");
		assertThatThrownBy(() -> PeerIdentity.generate(classifier, KeyType.ED25519))
				.isInstanceOf(IllegalArgumentException.class);
	}

	@Test
	void aClassifierOf150CharactersIsRefused() {
		assertThatThrownBy(() -> PeerIdentity.generate("c".repeat(150))).isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("149");
	}

	@ParameterizedTest
	@EnumSource(KeyType.class)
	void identitiesAuthenticateBothSidesOfATls13Handshake(KeyType type) throws Exception {
		assertMutualTls(alice(type), bob(type));
	}

	@Test
	void identitiesOfDifferentKeyTypesAuthenticateEachOther() throws Exception {
		assertMutualTls(ecAlice, edBob);
		assertMutualTls(edAlice, ecBob);
	}

	@Test
	void aLoadedIdentityAuthenticatesATls13Handshake() throws Exception {
		Path file = dir.resolve("alice.p12");
		edAlice.save(file, PASSWORD);

		assertMutualTls(PeerIdentity.load(file, PASSWORD), ecBob);
	}

	@Test
	void aHandshakeFailsWhenThePeerIsNotThePinnedOne() throws Exception {
		// The client pins bob but talks to alice: the pin, not a CA, decides.
		SSLEngine client = context(ecAlice, ecBob.certificate()).createSSLEngine("127.0.0.1", 1);
		SSLEngine server = context(edAlice, ecAlice.certificate()).createSSLEngine();
		client.setUseClientMode(true);
		server.setUseClientMode(false);
		server.setNeedClientAuth(true);

		assertThatThrownBy(() -> exchange(client, server)).isInstanceOf(SSLException.class);
	}

	private static void assertMutualTls(PeerIdentity clientIdentity, PeerIdentity serverIdentity) throws Exception {
		SSLEngine client = context(clientIdentity, serverIdentity.certificate()).createSSLEngine("127.0.0.1", 1);
		SSLEngine server = context(serverIdentity, clientIdentity.certificate()).createSSLEngine();
		client.setUseClientMode(true);
		server.setUseClientMode(false);
		server.setNeedClientAuth(true);

		exchange(client, server);

		SSLSession clientSession = client.getSession();
		SSLSession serverSession = server.getSession();
		assertThat(clientSession.getProtocol()).isEqualTo("TLSv1.3");
		assertThat(serverSession.getProtocol()).isEqualTo("TLSv1.3");
		assertThat(clientSession.getPeerCertificates()).hasSize(1);
		assertThat(clientSession.getPeerCertificates()[0].getEncoded())
				.isEqualTo(serverIdentity.certificate().getEncoded());
		assertThat(serverSession.getPeerCertificates()).hasSize(1);
		assertThat(serverSession.getPeerCertificates()[0].getEncoded())
				.isEqualTo(clientIdentity.certificate().getEncoded());
		X509Certificate seenByServer = (X509Certificate) serverSession.getPeerCertificates()[0];
		assertThat(clientIdentity.name().matches(seenByServer)).isTrue();
		assertThat(serverIdentity.name().matches((X509Certificate) clientSession.getPeerCertificates()[0])).isTrue();
	}

	/** A TLS 1.3 context presenting {@code me} and trusting exactly {@code peer}'s certificate. */
	private static SSLContext context(PeerIdentity me, X509Certificate peer) throws Exception {
		char[] password = "in-memory".toCharArray();
		KeyStore keys = KeyStore.getInstance("PKCS12");
		keys.load(null, null);
		keys.setKeyEntry("me", me.privateKey(), password, new Certificate[] { me.certificate() });
		// PKIX rather than the default SunX509: it also checks key usage and extended key usage, as peers will.
		KeyManagerFactory keyManagers = KeyManagerFactory.getInstance("PKIX");
		keyManagers.init(keys, password);
		SSLContext context = SSLContext.getInstance("TLSv1.3");
		context.init(keyManagers.getKeyManagers(), new TrustManager[] { new PinningTrustManager(peer) },
				new SecureRandom());
		return context;
	}

	/**
	 * Runs the handshake and one application message each way between two engines, moving bytes in memory, so that a
	 * TLS 1.3 server also sees the client's certificate verified before the test looks at the sessions.
	 */
	private static void exchange(SSLEngine client, SSLEngine server) throws Exception {
		byte[] fromClient = "hello from the client".getBytes(StandardCharsets.UTF_8);
		byte[] fromServer = "hello from the server".getBytes(StandardCharsets.UTF_8);
		ByteBuffer clientOut = ByteBuffer.wrap(fromClient);
		ByteBuffer serverOut = ByteBuffer.wrap(fromServer);
		int packetSize = Math.max(client.getSession().getPacketBufferSize(), server.getSession().getPacketBufferSize());
		int appSize = Math.max(client.getSession().getApplicationBufferSize(),
				server.getSession().getApplicationBufferSize());
		ByteBuffer clientToServer = ByteBuffer.allocate(packetSize * 4);
		ByteBuffer serverToClient = ByteBuffer.allocate(packetSize * 4);
		ByteBuffer clientIn = ByteBuffer.allocate(appSize + 64);
		ByteBuffer serverIn = ByteBuffer.allocate(appSize + 64);
		client.beginHandshake();
		server.beginHandshake();
		for (int round = 0; round < 200; round++) {
			runTasks(client.wrap(clientOut, clientToServer), client);
			runTasks(server.wrap(serverOut, serverToClient), server);
			clientToServer.flip();
			serverToClient.flip();
			runTasks(client.unwrap(serverToClient, clientIn), client);
			runTasks(server.unwrap(clientToServer, serverIn), server);
			clientToServer.compact();
			serverToClient.compact();
			if (clientIn.position() == fromServer.length && serverIn.position() == fromClient.length) {
				assertThat(Arrays.copyOf(clientIn.array(), fromServer.length)).isEqualTo(fromServer);
				assertThat(Arrays.copyOf(serverIn.array(), fromClient.length)).isEqualTo(fromClient);
				return;
			}
		}
		throw new AssertionError("the handshake did not finish in 200 rounds");
	}

	private static void runTasks(SSLEngineResult result, SSLEngine engine) {
		if (result.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
			for (Runnable task = engine.getDelegatedTask(); task != null; task = engine.getDelegatedTask()) {
				task.run();
			}
		}
	}

	/** Trusts one certificate, by its bytes, whatever signed it: PeerCollab pins keys, it has no CA. */
	private static final class PinningTrustManager extends X509ExtendedTrustManager {

		private final X509Certificate pinned;

		PinningTrustManager(X509Certificate pinned) {
			this.pinned = pinned;
		}

		private void check(X509Certificate[] chain) throws CertificateException {
			if (chain == null || chain.length == 0 || !Arrays.equals(chain[0].getEncoded(), pinned.getEncoded())) {
				throw new CertificateException("not the pinned certificate");
			}
		}

		@Override
		public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
			check(chain);
		}

		@Override
		public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
			check(chain);
		}

		@Override
		public void checkClientTrusted(X509Certificate[] chain, String authType, java.net.Socket socket)
				throws CertificateException {
			check(chain);
		}

		@Override
		public void checkServerTrusted(X509Certificate[] chain, String authType, java.net.Socket socket)
				throws CertificateException {
			check(chain);
		}

		@Override
		public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
				throws CertificateException {
			check(chain);
		}

		@Override
		public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
				throws CertificateException {
			check(chain);
		}

		@Override
		public X509Certificate[] getAcceptedIssuers() {
			// No certificate_authorities hint: the peer's certificate is self-signed by a key we do not know yet.
			return new X509Certificate[0];
		}
	}
}
