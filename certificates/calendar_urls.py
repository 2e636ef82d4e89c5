"""The calendar of what falls due, the CB's work queue, reminders and the iCal feed (/calendar/)."""

from django.urls import path

from certificates.views import calendar, feed, queue, reminders

app_name = "calendar"

urlpatterns = [
    path("", calendar.calendar_month, name="month"),
    path("agenda/", calendar.calendar_agenda, name="agenda"),
    path("due/", calendar.calendar_due, name="due"),
    path("queue/", queue.work_queue, name="queue"),
    path("queue/next/", queue.queue_next, name="queue_next"),
    path("tasks/<int:pk>/", queue.task_detail, name="task_detail"),
    path("tasks/<int:pk>/take/", queue.task_take, name="task_take"),
    path("tasks/<int:pk>/not-suspend/", queue.task_not_suspend, name="task_not_suspend"),
    path("reminders/", reminders.reminder_list, name="reminders"),
    path("subscription/", feed.subscription, name="subscription"),
    path("subscription/regenerate/", feed.feed_regenerate, name="feed_regenerate"),
    # the feed's secret address is its only key: calendar applications send no session
    path("feed/<str:token>.ics", feed.feed, name="feed"),
]
