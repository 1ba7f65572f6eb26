// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.peercollab.TcpAddress;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;
import io.peercollab.rsocket.ForeignCertificates.Foreign;
import io.peercollab.spi.TransportBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The TLS alerts PROTOCOL.md section 2.3 lists, measured with a foreign TLS stack: {@code openssl s_client} against
 * our server for each refusal of a client, and {@code openssl s_server} against our client for each refusal of a
 * server. Loopback only; skipped where no {@code openssl} is installed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsAlertsTest {

	private static final Pattern ALERT = Pattern.compile("alert number (\\d+)");

	private final PeerIdentity bob = TestPeers.identity("bob", KeyType.ED25519);
	private final PeerIdentity alice = TestPeers.identity("alice", KeyType.EC_P256);
	private TransportBinding server;
	@TempDir
	Path dir;

	@BeforeAll
	void start() {
		Assumptions.assumeTrue(opensslAvailable(), "openssl is not installed");
		server = TestPeers.bind(TestPeers.loopback(), bob, new RecordingHandler());
	}

	@AfterAll
	void stop() {
		if (server != null) {
			TestPeers.dispose(server);
		}
	}

	@Test
	void aClientOfferingOnlyTls12GetsProtocolVersion() throws Exception {
		assertThat(clientAlert("-tls1_2", pem("alice", alice.privateKey(), alice.certificate()))).isEqualTo(70);
	}

	@Test
	void aClientWithoutCertificateGetsBadCertificate() throws Exception {
		assertThat(clientAlert("-tls1_3", List.of())).isEqualTo(42);
	}

	@Test
	void aClientWithAnRsaCertificateGetsCertificateUnknown() throws Exception {
		Foreign rsa = ForeignCertificates.rsa("mallory");
		assertThat(clientAlert("-tls1_3", pem("rsa", rsa.keys().getPrivate(), rsa.certificate()))).isEqualTo(46);
	}

	@Test
	void aClientWithAnotherEcCurveGetsCertificateUnknown() throws Exception {
		Foreign p384 = ForeignCertificates.ecP384("mallory");
		assertThat(clientAlert("-tls1_3", pem("p384", p384.keys().getPrivate(), p384.certificate()))).isEqualTo(46);
	}

	@Test
	void aClientWhoseCertificateIsSignedByAnotherKeyGetsCertificateUnknown() throws Exception {
		Foreign forged = ForeignCertificates.signedByAnotherKey("mallory");
		assertThat(clientAlert("-tls1_3", pem("forged", forged.keys().getPrivate(), forged.certificate())))
				.isEqualTo(46);
	}

	@Test
	void aServerWithAnRsaCertificateGetsCertificateUnknownFromOurClient() throws Exception {
		Foreign rsa = ForeignCertificates.rsa("mallory");
		List<String> files = pem("srv-rsa", rsa.keys().getPrivate(), rsa.certificate());
		assertThat(serverAlert(files, PeerName.of(rsa.certificate()))).isEqualTo(46);
	}

	@Test
	void aServerProvingAnotherNameIsLeftWithoutAlert() throws Exception {
		// the handshake succeeds (bob's certificate is valid); the pin check then closes the connection
		List<String> files = pem("srv-bob", bob.privateKey(), bob.certificate());
		assertThat(serverAlert(files, alice.name())).isEqualTo(-1);
	}

	/** @return the alert number {@code openssl s_client} received from our server, or -1 if none */
	private int clientAlert(String version, List<String> certificate) throws Exception {
		List<String> command = new ArrayList<>(List.of("openssl", "s_client", "-connect",
				"127.0.0.1:" + ((TcpAddress) server.address()).socketAddress().getPort(), version, "-ign_eof"));
		if (!certificate.isEmpty()) {
			command.addAll(List.of("-cert", certificate.get(1), "-key", certificate.get(0)));
		}
		String out = run(command, null);
		System.out.println("s_client " + String.join(" ", command.subList(4, command.size())) + ":\n" + out);
		return alert(out);
	}

	/** @return the alert number {@code openssl s_server} received from our client, or -1 if none */
	private int serverAlert(List<String> certificate, PeerName expected) throws Exception {
		Process s = new ProcessBuilder("openssl", "s_server", "-accept", "127.0.0.1:0", "-tls1_3", "-naccept", "1",
				"-www", "-cert", certificate.get(1), "-key", certificate.get(0)).redirectErrorStream(true).start();
		StringBuffer out = new StringBuffer();
		Thread reader = new Thread(() -> {
			try (InputStream in = s.getInputStream()) {
				for (int c = in.read(); c >= 0; c = in.read()) {
					out.append((char) c);
				}
			}
			catch (IOException e) {
				// destroyed
			}
		});
		reader.start();
		try {
			Matcher port = Pattern.compile("ACCEPT 127\\.0\\.0\\.1:(\\d+)").matcher("");
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
			while (!port.reset(out).find()) {
				assertThat(System.nanoTime()).as("s_server's port within 10 s: %s", out).isLessThan(deadline);
				reader.join(10); // polls the output of a foreign process: nothing to await instead
			}
			TransportBinding client = TestPeers.bind(TestPeers.loopback(), alice, new RecordingHandler());
			try {
				StepVerifier.create(Mono.defer(() -> client.connect(expected,
						TcpAddress.of(new InetSocketAddress("127.0.0.1", Integer.parseInt(port.group(1)))))))
						.consumeErrorWith(e -> System.out.println("our client's error: " + e))
						.verify(TestPeers.TIMEOUT);
			}
			finally {
				TestPeers.dispose(client);
			}
			// -naccept 1: it exits after this one connection, once it has printed what it received (a loaded
			// machine once took longer than the 3 s this used to allow, and the alert was cut off)
			if (!s.waitFor(15, TimeUnit.SECONDS)) {
				System.out.println("s_server did not exit within 15 s");
			}
		}
		finally {
			s.destroy();
			reader.join(5_000);
		}
		System.out.println("s_server:\n" + out);
		return alert(out.toString());
	}

	private static int alert(String out) {
		Matcher m = ALERT.matcher(out);
		return m.find() ? Integer.parseInt(m.group(1)) : -1;
	}

	private static String run(List<String> command, String input) throws IOException, InterruptedException {
		Process p = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
		byte[] out = p.getInputStream().readAllBytes();
		assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
		return new String(out, StandardCharsets.UTF_8);
	}

	/** @return the paths of a PEM private key and certificate */
	private List<String> pem(String name, PrivateKey key, X509Certificate certificate) throws Exception {
		Base64.Encoder b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
		Path k = dir.resolve(name + ".key");
		Path c = dir.resolve(name + ".crt");
		Files.writeString(k, "-----BEGIN PRIVATE KEY-----\n" + b64.encodeToString(key.getEncoded())
				+ "\n-----END PRIVATE KEY-----\n");
		Files.writeString(c, "-----BEGIN CERTIFICATE-----\n" + b64.encodeToString(certificate.getEncoded())
				+ "\n-----END CERTIFICATE-----\n");
		return List.of(k.toString(), c.toString());
	}

	private static boolean opensslAvailable() {
		try {
			return new ProcessBuilder("openssl", "version").start().waitFor(10, TimeUnit.SECONDS);
		}
		catch (IOException | InterruptedException e) {
			return false;
		}
	}
}
