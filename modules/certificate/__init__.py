from modules.certificate.certificate import DnsValidatedCertificate, DnsValidatedCertificateProps

__all__ = ["DnsValidatedCertificate", "DnsValidatedCertificateProps"]
