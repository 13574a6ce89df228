package dev.anyup.streams.app;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A real single-node KRaft broker for the secured-cluster tests: clients reach it on a SASL_SSL listener (SCRAM-SHA-512,
 * a self-signed certificate made with the JDK's keytool, no network), with the {@code StandardAuthorizer} denying
 * whatever no ACL allows. A PLAINTEXT listener on 127.0.0.1, whose anonymous principal is the super user, carries
 * inter-broker traffic and this class's own administration (users, ACLs, topics).
 */
final class SecuredBroker implements AutoCloseable {
  private static final String HOST = "127.0.0.1";
  private static final String TRUST_PASSWORD = "trust-pw-it";

  private final KafkaRaftServer server;
  private final Path dir;
  private final String secured;
  private final String internal;
  private final Path truststore;

  private SecuredBroker(KafkaRaftServer server, Path dir, String secured, String internal, Path truststore) {
    this.server = server;
    this.dir = dir;
    this.secured = secured;
    this.internal = internal;
    this.truststore = truststore;
  }

  static SecuredBroker start(Path dir) throws Exception {
    Path keystore = dir.resolve("broker.p12");
    Path cert = dir.resolve("broker.pem");
    Path truststore = dir.resolve("truststore.p12");
    keytool("-genkeypair", "-alias", "broker", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
        "-dname", "CN=" + HOST, "-ext", "SAN=IP:" + HOST, "-storetype", "PKCS12", "-keystore", keystore.toString(),
        "-storepass", "broker-pw-it", "-keypass", "broker-pw-it");
    keytool("-exportcert", "-alias", "broker", "-keystore", keystore.toString(), "-storepass", "broker-pw-it",
        "-rfc", "-file", cert.toString());
    keytool("-importcert", "-noprompt", "-alias", "ca", "-file", cert.toString(), "-storetype", "PKCS12",
        "-keystore", truststore.toString(), "-storepass", TRUST_PASSWORD);
    Path logDir = Files.createDirectories(dir.resolve("log"));
    int controller = freePort();
    int securedPort = freePort();
    int internalPort = freePort();
    Properties p = new Properties();
    p.put("process.roles", "broker,controller");
    p.put("node.id", "1");
    p.put("controller.quorum.voters", "1@" + HOST + ":" + controller);
    p.put("listeners", "SECURE://" + HOST + ":" + securedPort + ",INTERNAL://" + HOST + ":" + internalPort
        + ",CONTROLLER://" + HOST + ":" + controller);
    p.put("advertised.listeners", "SECURE://" + HOST + ":" + securedPort + ",INTERNAL://" + HOST + ":" + internalPort);
    p.put("listener.security.protocol.map", "SECURE:SASL_SSL,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.put("controller.listener.names", "CONTROLLER");
    p.put("inter.broker.listener.name", "INTERNAL");
    p.put("log.dirs", logDir.toString());
    p.put("metadata.log.dir", logDir.toString());
    p.put("sasl.enabled.mechanisms", "SCRAM-SHA-512");
    p.put("listener.name.secure.scram-sha-512.sasl.jaas.config",
        "org.apache.kafka.common.security.scram.ScramLoginModule required;");
    p.put("listener.name.secure.ssl.keystore.location", keystore.toString());
    p.put("listener.name.secure.ssl.keystore.password", "broker-pw-it");
    p.put("listener.name.secure.ssl.key.password", "broker-pw-it");
    p.put("listener.name.secure.ssl.keystore.type", "PKCS12");
    p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
    p.put("allow.everyone.if.no.acl.found", "false");
    p.put("super.users", "User:ANONYMOUS");
    p.put("offsets.topic.replication.factor", "1");
    p.put("offsets.topic.num.partitions", "1");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("transaction.state.log.num.partitions", "1");
    p.put("share.coordinator.state.topic.replication.factor", "1");
    p.put("share.coordinator.state.topic.min.isr", "1");
    p.put("default.replication.factor", "1");
    p.put("min.insync.replicas", "1");
    p.put("group.initial.rebalance.delay.ms", "0");
    p.put("auto.create.topics.enable", "false");
    p.put("message.max.bytes", Integer.toString(64 * 1024 * 1024));
    p.put("socket.request.max.bytes", Integer.toString(100 * 1024 * 1024));
    p.put("log.cleaner.dedupe.buffer.size", Integer.toString(2 * 1024 * 1024));
    p.put("num.network.threads", "2");
    p.put("num.io.threads", "4");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8)) {
      new Formatter().setPrintStream(print).setNodeId(1).setClusterId(Uuid.randomUuid().toString())
          .setDirectories(List.of(logDir.toString())).setMetadataLogDirectory(logDir.toString())
          .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION).setControllerListenerName("CONTROLLER").run();
    }
    KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(p, false), Time.SYSTEM);
    server.startup();
    SecuredBroker b = new SecuredBroker(server, dir, HOST + ":" + securedPort, HOST + ":" + internalPort,
        truststore);
    try (Admin admin = b.admin()) {
      admin.describeCluster().nodes().get(60, TimeUnit.SECONDS);
    }
    return b;
  }

  private static void keytool(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String printed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IllegalStateException("keytool " + cmd + " failed: " + printed);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
      return s.getLocalPort();
    }
  }

  /** The super user's admin client (PLAINTEXT listener). */
  Admin admin() {
    return Admin.create(Map.of("bootstrap.servers", internal));
  }

  /** The super user's PLAINTEXT listener (reading what was committed, whatever the ACLs). */
  String internalBootstrapServers() {
    return internal;
  }

  /** The SASL_SSL listener. */
  String bootstrapServers() {
    return secured;
  }

  /** Client settings for {@code user} over SASL_SSL, as a Kafka client properties map. */
  Map<String, String> client(String user, String password) {
    return Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512",
        "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user
            + "\" password=\"" + password + "\";",
        "ssl.truststore.location", truststore.toString(), "ssl.truststore.type", "PKCS12",
        "ssl.truststore.password", TRUST_PASSWORD);
  }

  void addUser(String user, String password) throws Exception {
    try (Admin admin = admin()) {
      admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(user,
          new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), password))).all().get(30, TimeUnit.SECONDS);
    }
  }

  void createTopic(String name, int partitions) throws Exception {
    try (Admin admin = admin()) {
      admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }
  }

  static AclBinding allow(String user, ResourceType type, String name, PatternType pattern, AclOperation op) {
    return new AclBinding(new ResourcePattern(type, name, pattern),
        new AccessControlEntry("User:" + user, "*", op, AclPermissionType.ALLOW));
  }

  void addAcls(List<AclBinding> acls) throws Exception {
    try (Admin admin = admin()) {
      admin.createAcls(acls).all().get(30, TimeUnit.SECONDS);
    }
  }

  void removeAcls(List<AclBinding> acls) throws Exception {
    try (Admin admin = admin()) {
      admin.deleteAcls(acls.stream().map(AclBinding::toFilter).toList()).all().get(30, TimeUnit.SECONDS);
    }
  }

  @Override
  public void close() {
    server.shutdown();
    server.awaitShutdown();
  }

  Path dir() {
    return dir;
  }
}
