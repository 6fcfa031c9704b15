from modules.scheduled_report.pipeline import OrdersDatabase, ScheduledReport, ScheduledReportProps

__all__ = ["OrdersDatabase", "ScheduledReport", "ScheduledReportProps"]
