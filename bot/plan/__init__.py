"""The business plan: its questionnaire as data, the summary, the PDF and the submission."""
